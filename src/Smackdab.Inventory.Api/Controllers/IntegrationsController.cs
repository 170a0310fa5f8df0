using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Api.Http;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Api.Validation;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Integrations;
using Smackdab.Inventory.Domain.Features.Products;

namespace Smackdab.Inventory.Api.Controllers;

/// <summary>
/// The organization's external systems. Routes with an id only match <c>int_…</c> ids, so that literal routes under
/// /v1/integrations (ERP export schedules) stay unambiguous.
/// </summary>
[Tags("Integrations")]
public sealed class IntegrationsController(
    IntegrationService integrations,
    ListQueryParser lists,
    RequestValidator validator,
    IOptions<JsonOptions> json) : ApiControllerBase
{
    public const string IdRoute = "{id:regex(^int_)}";
    private static readonly string[] Filters = ["type", "status", "provider"];

    /// <summary>List integrations.</summary>
    /// <remarks>Filters: <c>type</c>, <c>status</c>, <c>provider</c>. Credentials are never returned; <c>authentication.configured_fields</c> names the ones set.</remarks>
    [HttpGet("v1/integrations")]
    [RequireScope(Scopes.Admin)]
    [ProducesResponseType<SuccessEnvelope<List<IntegrationResponse>>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> List(CancellationToken ct) =>
        List(await integrations.ListAsync(lists.Parse(Request.Query, Filters), ct));

    /// <summary>Get an integration.</summary>
    [HttpGet("v1/integrations/" + IdRoute)]
    [RequireScope(Scopes.Admin)]
    [ProducesResponseType<SuccessEnvelope<IntegrationResponse>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> Get(string id, CancellationToken ct)
    {
        var integration = await integrations.GetAsync(id, ct);
        return NotModifiedIfMatches(integration.Version) ?? Envelope(integration, "Integration retrieved successfully");
    }

    /// <summary>Register an external system.</summary>
    /// <remarks>
    /// <c>base_url</c> (and an OAuth <c>token_url</c>) must be https and must not point at a private or loopback address.
    /// <c>authentication</c> holds the external system's credentials: <c>api_key</c>, or OAuth 2.0 <c>token_url</c>,
    /// <c>client_id</c>, <c>client_secret</c> and <c>refresh_token</c>; they are encrypted at rest and never returned.
    /// <c>retry_policy</c> and <c>circuit_breaker</c> take the spec's shape; omitted fields take the spec's defaults.
    /// </remarks>
    [HttpPost("v1/integrations")]
    [RequireScope(Scopes.Admin)]
    [ProducesResponseType<SuccessEnvelope<IntegrationResponse>>(StatusCodes.Status201Created)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status400BadRequest)]
    public async Task<IActionResult> Create([FromBody] IntegrationWriteRequest request, CancellationToken ct)
    {
        var integration = await integrations.CreateAsync(request, ct);
        SetETag(integration.Version);
        return Created(integration, "Integration created successfully", $"/v1/integrations/{integration.Id}");
    }

    /// <summary>Update some of an integration's fields (JSON Merge Patch).</summary>
    /// <remarks>Sending <c>authentication</c> replaces the stored credentials; leaving it out keeps them.</remarks>
    [HttpPatch("v1/integrations/" + IdRoute)]
    [RequireScope(Scopes.Admin)]
    [Consumes("application/json", "application/merge-patch+json")]
    [ProducesResponseType<SuccessEnvelope<IntegrationResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Patch(string id, [FromBody] JsonElement patch, CancellationToken ct)
    {
        var merged = MergePatch.Apply(await integrations.GetWriteModelAsync(id, ct), patch, json.Value.JsonSerializerOptions);
        await validator.ValidateAsync(merged, ct);
        var integration = await integrations.UpdateAsync(id, merged, ETags.IfMatchVersion(Request), ct);
        SetETag(integration.Version);
        return Envelope(integration, "Integration updated successfully", toast: true);
    }

    /// <summary>Remove an integration (soft delete).</summary>
    [HttpDelete("v1/integrations/" + IdRoute)]
    [RequireScope(Scopes.Admin)]
    [ProducesResponseType<SuccessEnvelope<DeletedResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Delete(string id, CancellationToken ct) =>
        Envelope(await integrations.DeleteAsync(id, ETags.IfMatchVersion(Request), ct), "Integration deleted successfully", toast: true);
}
