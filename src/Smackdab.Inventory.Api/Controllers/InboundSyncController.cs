using Microsoft.AspNetCore.Mvc;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Api.Http;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Sync.Conflicts;

namespace Smackdab.Inventory.Api.Controllers;

[Tags("Inbound sync and conflicts")]
public sealed class InboundSyncController(SyncService sync, ListQueryParser lists) : ApiControllerBase
{
    /// <summary>Report an external system's value.</summary>
    /// <remarks>One of <c>quantity</c> (on_hand), <c>allocated</c> or <c>attributes</c> of a product, with the system's
    /// <c>updated_at</c> and/or <c>version</c>. The organization's rule for this source and field decides
    /// (<c>PUT /v1/inventory/sync/rules</c>; defaults: quantity last_write_wins, allocated additive, attributes field_level):
    /// <c>last_write_wins</c>, <c>version</c> (stale → conflict), <c>business_rule</c> (no_negative_inventory), <c>additive</c>,
    /// <c>field_level</c>, <c>manual</c> (queued in <c>/v1/conflicts</c>). 200 with the decision; 202 when it waits for a person.
    /// Changes go through the ledger (a count), allocations or the product service.</remarks>
    [HttpPost("v1/inventory/sync")]
    [RequireScope(Scopes.TransactionsCreate)]
    [ProducesResponseType<SuccessEnvelope<SyncDecisionResponse>>(StatusCodes.Status200OK)]
    [ProducesResponseType<SuccessEnvelope<SyncDecisionResponse>>(StatusCodes.Status202Accepted)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status400BadRequest)]
    public async Task<IActionResult> Sync([FromBody] SyncRequest request, CancellationToken ct)
    {
        var decision = await sync.ApplyAsync(request, ct);
        return decision.Outcome == SyncOutcomes.Conflict
            ? Envelope(decision, "Conflict queued for resolution", StatusCodes.Status202Accepted)
            : Envelope(decision, $"Sync {decision.Outcome} ({decision.ConflictResolution})");
    }

    /// <summary>List the organization's sync rules.</summary>
    [HttpGet("v1/inventory/sync/rules")]
    [RequireScope(Scopes.TransactionsRead)]
    [ProducesResponseType<SuccessEnvelope<List<SyncRuleResponse>>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Rules(CancellationToken ct) =>
        List(await sync.ListRulesAsync(lists.Parse(Request.Query, [], "source"), ct));

    /// <summary>Replace the organization's sync rules.</summary>
    /// <remarks>One rule per (source, field); <c>source</c> "*" applies to every source without its own rule.</remarks>
    [HttpPut("v1/inventory/sync/rules")]
    [RequireScope(Scopes.Admin)]
    [ProducesResponseType<SuccessEnvelope<SyncRulesResponse>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status400BadRequest)]
    public async Task<IActionResult> ReplaceRules([FromBody] SyncRulesRequest request, CancellationToken ct) =>
        Envelope(new SyncRulesResponse(await sync.ReplaceRulesAsync(request, ct)), "Sync rules saved", toast: true);

    /// <summary>List sync decisions.</summary>
    /// <remarks>Every inbound sync and every resolution, with the strategy that decided. Filters: <c>product_id</c>, <c>source</c>,
    /// <c>strategy</c>, <c>outcome</c>, <c>conflict_id</c>.</remarks>
    [HttpGet("v1/inventory/sync/decisions")]
    [RequireScope(Scopes.TransactionsRead)]
    [ProducesResponseType<SuccessEnvelope<List<SyncDecisionListItem>>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Decisions(CancellationToken ct) =>
        List(await sync.ListDecisionsAsync(lists.Parse(Request.Query, ["product_id", "source", "strategy", "outcome", "conflict_id"]), ct));

    /// <summary>List conflicts.</summary>
    /// <remarks>Filters: <c>status</c> (open, resolved), <c>priority</c>, <c>product_id</c>, <c>location_id</c>, <c>conflict_type</c>, <c>assigned_to</c>.</remarks>
    [HttpGet("v1/conflicts")]
    [RequireScope(Scopes.TransactionsRead)]
    [ProducesResponseType<SuccessEnvelope<List<ConflictResponse>>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Conflicts(CancellationToken ct) =>
        List(await sync.ListConflictsAsync(lists.Parse(Request.Query, ["status", "priority", "product_id", "location_id", "conflict_type", "assigned_to"]), ct));

    /// <summary>Get a conflict with every system's values.</summary>
    [HttpGet("v1/conflicts/{id}")]
    [RequireScope(Scopes.TransactionsRead)]
    [ProducesResponseType<SuccessEnvelope<ConflictResponse>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> Conflict(string id, CancellationToken ct) =>
        Envelope(await sync.GetConflictAsync(id, ct), "Conflict retrieved successfully");

    /// <summary>Resolve a conflict.</summary>
    /// <remarks>Take one system's value (<c>source</c>) or enter one (<c>quantity</c> / <c>attributes</c>); it is written through the
    /// ledger (a count) or the product service, once: resolving a resolved conflict is 409.</remarks>
    [HttpPost("v1/conflicts/{id}/resolve")]
    [RequireScope(Scopes.TransactionsCreate)]
    [ProducesResponseType<SuccessEnvelope<ConflictResponse>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status409Conflict)]
    public async Task<IActionResult> Resolve(string id, [FromBody] ResolveConflictRequest request, CancellationToken ct) =>
        Envelope(await sync.ResolveAsync(id, request, ct), "Conflict resolved", toast: true);
}
