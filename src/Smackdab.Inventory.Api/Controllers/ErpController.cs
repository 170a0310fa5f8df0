using Microsoft.AspNetCore.Mvc;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Api.Http;
using Smackdab.Inventory.Api.Idempotency;
using Smackdab.Inventory.Api.RateLimiting;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Products;
using Smackdab.Inventory.Domain.Features.Sync.Erp;

namespace Smackdab.Inventory.Api.Controllers;

/// <summary>
/// ERP batch integration: scheduled exports, cost adjustments and the GL account mapping. The literal <c>erp</c> segment cannot
/// collide with <c>/v1/integrations/{id}</c>, whose id is constrained to <c>int_…</c>.
/// </summary>
[Tags("ERP batch integration")]
public sealed class ErpController(ErpScheduleService schedules, CostAdjustmentService costs, GlAccountService gl, ListQueryParser lists) : ApiControllerBase
{
    private const string Schedules = "v1/integrations/erp/exports/schedules";

    /// <summary>Schedule a recurring ERP export.</summary>
    /// <remarks>Five-field cron in UTC. Each occurrence runs exactly once across all instances (missed occurrences run when an
    /// instance is back) and produces an export job whose file has <c>export_metadata</c> and a section per data type; find it
    /// under <c>GET …/schedules/{id}/runs</c> and download at <c>export_url_pattern</c>.</remarks>
    [HttpPost("v1/integrations/erp/exports/schedule")]
    [BulkOperation]
    [ResponseSecrets("encryption_key")]
    [RequireScope(Scopes.Admin)]
    [ProducesResponseType<SuccessEnvelope<ErpScheduleResponse>>(StatusCodes.Status201Created)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status400BadRequest)]
    public async Task<IActionResult> CreateSchedule([FromBody] CreateErpScheduleRequest request, CancellationToken ct)
    {
        var schedule = await schedules.CreateAsync(request, ct);
        return Created(schedule, "Export schedule created successfully", $"/{Schedules}/{schedule.ScheduleId}");
    }

    /// <summary>List export schedules.</summary>
    [HttpGet(Schedules)]
    [RequireScope(Scopes.ReportsRead)]
    [ProducesResponseType<SuccessEnvelope<List<ErpScheduleResponse>>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> ListSchedules(CancellationToken ct) =>
        List(await schedules.ListAsync(lists.Parse(Request.Query, ["status"]), ct));

    /// <summary>Get an export schedule.</summary>
    [HttpGet(Schedules + "/{id}")]
    [RequireScope(Scopes.ReportsRead)]
    [ProducesResponseType<SuccessEnvelope<ErpScheduleResponse>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> GetSchedule(string id, CancellationToken ct) =>
        Envelope(await schedules.GetAsync(id, ct), "Export schedule retrieved successfully");

    /// <summary>Pause an export schedule.</summary>
    [HttpPost(Schedules + "/{id}/pause")]
    [RequireScope(Scopes.Admin)]
    [ProducesResponseType<SuccessEnvelope<ErpScheduleResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Pause(string id, CancellationToken ct) =>
        Envelope(await schedules.SetStatusAsync(id, ErpScheduleStatuses.Paused, ct), "Export schedule paused", toast: true);

    /// <summary>Resume a paused export schedule (from the next occurrence).</summary>
    [HttpPost(Schedules + "/{id}/resume")]
    [RequireScope(Scopes.Admin)]
    [ProducesResponseType<SuccessEnvelope<ErpScheduleResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Resume(string id, CancellationToken ct) =>
        Envelope(await schedules.SetStatusAsync(id, ErpScheduleStatuses.Active, ct), "Export schedule resumed", toast: true);

    /// <summary>Delete an export schedule (its past exports stay until their retention ends).</summary>
    [HttpDelete(Schedules + "/{id}")]
    [RequireScope(Scopes.Admin)]
    [ProducesResponseType<SuccessEnvelope<DeletedResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> DeleteSchedule(string id, CancellationToken ct) =>
        Envelope(await schedules.DeleteAsync(id, ct), "Export schedule deleted", toast: true);

    /// <summary>The runs of an export schedule, newest first.</summary>
    [HttpGet(Schedules + "/{id}/runs")]
    [RequireScope(Scopes.ReportsRead)]
    [ProducesResponseType<SuccessEnvelope<List<ErpScheduleRunResponse>>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Runs(string id, CancellationToken ct) =>
        List(await schedules.RunsAsync(id, lists.Parse(Request.Query, []), ct));

    /// <summary>Revalue the average unit cost of a product at a location.</summary>
    /// <remarks>Locks the balance and writes the adjustment with a ledger row of type <c>cost_adjustment</c> (quantity change 0):
    /// <c>previous_cost</c>, <c>new_cost</c>, <c>quantity_affected</c> (on hand) and <c>total_impact</c> = (new − previous) × quantity.</remarks>
    [HttpPost("v1/inventory/cost-adjustments")]
    [RequireScope(Scopes.TransactionsCreate)]
    [ProducesResponseType<SuccessEnvelope<CostAdjustmentResponse>>(StatusCodes.Status201Created)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status400BadRequest)]
    public async Task<IActionResult> CreateCostAdjustment([FromBody] CreateCostAdjustmentRequest request, CancellationToken ct)
    {
        var adjustment = await costs.CreateAsync(request, ct);
        return Created(adjustment, "Cost adjustment created successfully", $"/v1/inventory/cost-adjustments/{adjustment.AdjustmentId}");
    }

    /// <summary>List cost adjustments.</summary>
    /// <remarks>Filters: <c>product_id</c>, <c>location_id</c>, <c>adjustment_type</c>.</remarks>
    [HttpGet("v1/inventory/cost-adjustments")]
    [RequireScope(Scopes.TransactionsRead)]
    [ProducesResponseType<SuccessEnvelope<List<CostAdjustmentResponse>>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> ListCostAdjustments(CancellationToken ct) =>
        List(await costs.ListAsync(lists.Parse(Request.Query, ["product_id", "location_id", "adjustment_type"]), ct));

    /// <summary>Get a cost adjustment.</summary>
    [HttpGet("v1/inventory/cost-adjustments/{id}")]
    [RequireScope(Scopes.TransactionsRead)]
    [ProducesResponseType<SuccessEnvelope<CostAdjustmentResponse>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> GetCostAdjustment(string id, CancellationToken ct) =>
        Envelope(await costs.GetAsync(id, ct), "Cost adjustment retrieved successfully");

    /// <summary>The organization's GL account mapping.</summary>
    [HttpGet("v1/organization/settings/gl-accounts")]
    [RequireScope(Scopes.ReportsRead)]
    [ProducesResponseType<SuccessEnvelope<GlAccountSettings>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> GetGlAccounts(CancellationToken ct) =>
        Envelope(await gl.GetAsync(ct), "GL account mapping retrieved successfully");

    /// <summary>Replace the GL account mapping.</summary>
    /// <remarks>ERP exports label each transaction with the most specific match: (transaction_type, location_type), then
    /// transaction_type, then location_type, then <c>default_account</c>.</remarks>
    [HttpPut("v1/organization/settings/gl-accounts")]
    [RequireScope(Scopes.Admin)]
    [ProducesResponseType<SuccessEnvelope<GlAccountSettings>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status400BadRequest)]
    public async Task<IActionResult> PutGlAccounts([FromBody] GlAccountSettings settings, CancellationToken ct) =>
        Envelope(await gl.ReplaceAsync(settings, ct), "GL account mapping saved", toast: true);
}
