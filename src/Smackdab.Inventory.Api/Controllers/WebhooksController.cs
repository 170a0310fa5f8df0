using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Api.Http;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Products;
using Smackdab.Inventory.Domain.Features.Webhooks;

namespace Smackdab.Inventory.Api.Controllers;

[Route("v1/webhooks/subscriptions")]
[Tags("Webhooks")]
[RequireScope(Scopes.Admin)]
public sealed class WebhooksController(
    WebhookSubscriptionService subscriptions,
    WebhookDeliveryService deliveries,
    ListQueryParser lists) : ApiControllerBase
{
    private static readonly string[] SubscriptionFilters = ["status"];
    private static readonly string[] DeliveryFilters = ["status", "event_type"];

    /// <summary>Subscribe an endpoint to events.</summary>
    /// <remarks>
    /// <c>url</c> must be https and must not resolve to a private, loopback, link-local or reserved address (checked again on
    /// every connection). <c>secret_key</c> (<c>whsec_…</c>) is in this answer only: it is stored encrypted and never shown
    /// again (rotate it to get a new one). Deliveries are signed per Standard Webhooks (<c>webhook-id</c>,
    /// <c>webhook-timestamp</c>, <c>webhook-signature</c>) and carry <c>X-Webhook-Signature: sha256=…</c>; see docs/webhooks.md.
    /// Made in branch-isolated mode, the subscription receives only that branch's events.
    /// </remarks>
    [HttpPost]
    [ProducesResponseType<SuccessEnvelope<WebhookSubscriptionResponse>>(StatusCodes.Status201Created)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status400BadRequest)]
    public async Task<IActionResult> Create([FromBody] CreateWebhookSubscriptionRequest request, CancellationToken ct)
    {
        var subscription = await subscriptions.CreateAsync(request, ct);
        SetETag(subscription.Version);
        return Created(subscription, "Webhook subscription created; the secret is shown only once", $"/v1/webhooks/subscriptions/{subscription.Id}");
    }

    /// <summary>List webhook subscriptions (never their secrets).</summary>
    /// <remarks>Filter <c>status</c>: <c>active</c>, <c>paused</c> or <c>disabled</c>. Sort: <c>created_at</c>, <c>updated_at</c>, <c>url</c>.</remarks>
    [HttpGet]
    [ProducesResponseType<SuccessEnvelope<List<WebhookSubscriptionResponse>>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> List(CancellationToken ct) =>
        List(await subscriptions.ListAsync(lists.Parse(Request.Query, SubscriptionFilters), ct));

    /// <summary>Get a webhook subscription with its delivery figures (<c>webhook_performance</c>, last 24 hours).</summary>
    [HttpGet("{id}")]
    [ProducesResponseType<SuccessEnvelope<WebhookSubscriptionResponse>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> Get(string id, CancellationToken ct)
    {
        var subscription = await subscriptions.GetAsync(id, ct);
        SetETag(subscription.Version);
        return Envelope(subscription, "Webhook subscription retrieved successfully");
    }

    /// <summary>Change a subscription: pause or resume it, its events, filters, retry policy or URL.</summary>
    /// <remarks><c>status</c>: <c>paused</c> holds deliveries (they wait, none is lost); <c>active</c> resumes, also after the API
    /// disabled the subscription because the endpoint answered 410. Honours <c>If-Match</c>.</remarks>
    [HttpPatch("{id}")]
    [Consumes("application/json", "application/merge-patch+json")]
    [ProducesResponseType<SuccessEnvelope<WebhookSubscriptionResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Update(string id, [FromBody] UpdateWebhookSubscriptionRequest request, CancellationToken ct)
    {
        var subscription = await subscriptions.UpdateAsync(id, request, ETags.IfMatchVersion(Request), ct);
        SetETag(subscription.Version);
        return Envelope(subscription, "Webhook subscription updated", toast: true);
    }

    /// <summary>Delete a subscription and its delivery log; nothing more is sent to it.</summary>
    [HttpDelete("{id}")]
    [ProducesResponseType<SuccessEnvelope<DeletedResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Delete(string id, CancellationToken ct) =>
        Envelope(await subscriptions.DeleteAsync(id, ct), "Webhook subscription deleted", toast: true);

    /// <summary>Issue a new signing secret.</summary>
    /// <remarks>The answer's <c>secret_key</c> is the new secret, shown only here. For <c>overlap_hours</c> (default 24) deliveries
    /// carry a signature with the previous secret as well, so receivers can switch without missing one. The body is optional.</remarks>
    [HttpPost("{id}/rotate-secret")]
    [ProducesResponseType<SuccessEnvelope<WebhookSubscriptionResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> RotateSecret(
        string id,
        [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] RotateWebhookSecretRequest? request,
        CancellationToken ct) =>
        Envelope(await subscriptions.RotateSecretAsync(id, request, ct), "Webhook secret rotated; the new secret is shown only once", toast: true);

    /// <summary>Send a range of past events again.</summary>
    /// <remarks>Queues the subscription's matching events with sequence <c>from_sequence</c>..<c>to_sequence</c> (at most 10,000)
    /// as new deliveries marked <c>replay</c>, with their original <c>webhook-id</c>. Events older than retention cannot be
    /// replayed (400 on <c>from_sequence</c>).</remarks>
    [HttpPost("{id}/replay")]
    [ProducesResponseType<SuccessEnvelope<ReplayResult>>(StatusCodes.Status202Accepted)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status400BadRequest)]
    public async Task<IActionResult> Replay(string id, [FromBody] ReplayWebhookEventsRequest request, CancellationToken ct) =>
        Envelope(await subscriptions.ReplayAsync(id, request, ct), "Replay scheduled", StatusCodes.Status202Accepted, toast: true);

    /// <summary>The delivery log of a subscription.</summary>
    /// <remarks>Each delivery with its status (<c>pending</c>, <c>delivered</c>, <c>dead_lettered</c>), attempts, last response code,
    /// latency and error. Filters: <c>status</c>, <c>event_type</c>. Sort: <c>created_at</c> (default newest first), <c>sequence</c>.</remarks>
    [HttpGet("{id}/deliveries")]
    [ProducesResponseType<SuccessEnvelope<List<WebhookDeliveryResponse>>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> ListDeliveries(string id, CancellationToken ct) =>
        List(await deliveries.ListAsync(id, lists.Parse(Request.Query, DeliveryFilters), ct));

    /// <summary>One delivery with every attempt.</summary>
    [HttpGet("{id}/deliveries/{deliveryId}")]
    [ProducesResponseType<SuccessEnvelope<WebhookDeliveryResponse>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> GetDelivery(string id, string deliveryId, CancellationToken ct) =>
        Envelope(await deliveries.GetAsync(id, deliveryId, ct), "Webhook delivery retrieved successfully");

    /// <summary>Send a delivered or dead-lettered delivery again.</summary>
    /// <remarks>A fresh round of attempts under the subscription's retry policy, with the same <c>webhook-id</c> (receivers that
    /// deduplicate see the same message). A pending delivery answers 409.</remarks>
    [HttpPost("{id}/deliveries/{deliveryId}/redeliver")]
    [ProducesResponseType<SuccessEnvelope<WebhookDeliveryResponse>>(StatusCodes.Status202Accepted)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status409Conflict)]
    public async Task<IActionResult> Redeliver(string id, string deliveryId, CancellationToken ct) =>
        Envelope(await deliveries.RedeliverAsync(id, deliveryId, ct), "Redelivery scheduled", StatusCodes.Status202Accepted, toast: true);
}
