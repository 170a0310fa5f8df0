using Microsoft.AspNetCore.Mvc;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Integrations.Push;

namespace Smackdab.Inventory.Api.Controllers;

/// <summary>Outbound push: the organization's events, in order, to an integration through its connector.</summary>
[Tags("Integrations")]
public sealed class IntegrationPushController(PushService pushes) : ApiControllerBase
{
    private const string Route = "v1/integrations/" + IntegrationsController.IdRoute + "/push";

    /// <summary>The integration's push: settings, cursor, backlog and last push.</summary>
    /// <remarks>
    /// <c>cursor</c> is the last event sequence pushed (or passed over as not subscribed), <c>head</c> the organization's
    /// latest, <c>backlog</c> the subscribed events between them still to go. <c>status</c> is <c>disabled</c>,
    /// <c>up_to_date</c>, <c>pushing</c>, <c>retrying</c> (see <c>last_error</c>, <c>next_attempt_at</c>) or <c>circuit_open</c>.
    /// </remarks>
    [HttpGet(Route)]
    [RequireScope(Scopes.ReportsRead)]
    [ProducesResponseType<SuccessEnvelope<PushStatusResponse>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> Get(string id, CancellationToken ct) =>
        Envelope(await pushes.GetAsync(id, ct), "Push status retrieved successfully");

    /// <summary>Set up, change, pause or resume the integration's push.</summary>
    /// <remarks>
    /// Every event of the listed types (<c>shipment.confirmed</c>, <c>inventory.transaction.created</c>, <c>prefix.*</c>, <c>*</c>)
    /// is POSTed to <c>base_url + path</c> through the integration's connector (its authentication, retry policy and circuit
    /// breaker), in sequence order, with the webhook payload and <c>Idempotency-Key: {event_id}</c>. The cursor moves only
    /// when the external system accepts an event: events written while it is down or its breaker is open queue up and go
    /// out in order, once, when it recovers. Omitted fields keep their values; <c>start_from</c> (<c>now</c> or
    /// <c>beginning</c>) moves the cursor (a new push starts <c>now</c>). <c>events</c> and <c>path</c> are the
    /// integration's <c>events</c> and <c>events_path</c>.
    /// </remarks>
    [HttpPut(Route)]
    [RequireScope(Scopes.Admin)]
    [ProducesResponseType<SuccessEnvelope<PushStatusResponse>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> Put(string id, [FromBody] PushSettingsRequest request, CancellationToken ct) =>
        Envelope(await pushes.UpdateAsync(id, request, ct), "Push settings saved", toast: true);
}
