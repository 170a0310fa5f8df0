using Microsoft.AspNetCore.Mvc;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Api.Http;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Integrations;
using Smackdab.Inventory.Domain.Features.Integrations.Connectors;
using Smackdab.Inventory.Domain.Features.Integrations.Sync;

namespace Smackdab.Inventory.Api.Controllers;

/// <summary>The spec's integration recovery operations (QuickBooks recovery): token refresh, breaker, health, resumed sync.</summary>
[Tags("Integrations")]
public sealed class IntegrationOperationsController(
    IntegrationOperationsService operations,
    SyncJobService syncJobs,
    ListQueryParser lists) : ApiControllerBase
{
    private const string Base = "v1/integrations/" + IntegrationsController.IdRoute;

    /// <summary>Refresh the external system's OAuth 2.0 tokens.</summary>
    /// <remarks>Optional <c>refresh_token</c>, <c>client_id</c>, <c>client_secret</c> replace the stored ones first (all are stored encrypted).
    /// Answers the token endpoint's <c>access_token</c>, <c>refresh_token</c>, <c>expires_in</c>, <c>token_type</c>.</remarks>
    [HttpPost(Base + "/auth/refresh")]
    [RequireScope(Scopes.Admin)]
    [ProducesResponseType<SuccessEnvelope<TokenRefreshResult>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status502BadGateway)]
    public async Task<IActionResult> RefreshToken(string id, [FromBody] AuthRefreshRequest request, CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        return Envelope(await operations.RefreshTokenAsync(id, request, ct), "Access token refreshed");
    }

    /// <summary>The integration's circuit breaker: state, counts and settings.</summary>
    [HttpGet(Base + "/circuit-breaker")]
    [RequireScope(Scopes.ReportsRead)]
    [ProducesResponseType<SuccessEnvelope<CircuitBreakerResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> GetBreaker(string id, CancellationToken ct) =>
        Envelope(await operations.GetBreakerAsync(id, ct), "Circuit breaker retrieved successfully");

    /// <summary>Reset the circuit breaker to HALF_OPEN: test calls decide whether it closes.</summary>
    [HttpPost(Base + "/circuit-breaker/reset")]
    [RequireScope(Scopes.Admin)]
    [ProducesResponseType<SuccessEnvelope<CircuitBreakerResetResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> ResetBreaker(string id, CancellationToken ct) =>
        Envelope(await operations.ResetBreakerAsync(id, ct), "Circuit breaker reset", toast: true);

    /// <summary>Check the external system now: healthy, degraded or circuit_open.</summary>
    /// <remarks>Calls the integration's <c>health_path</c> through its connector (a test call while the breaker is half-open).</remarks>
    [HttpGet(Base + "/health")]
    [RequireScope(Scopes.ReportsRead)]
    [ProducesResponseType<SuccessEnvelope<IntegrationHealthResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Health(string id, CancellationToken ct) =>
        Envelope(await operations.CheckHealthAsync(id, ct), "Health checked");

    /// <summary>Resume the data sync from a point in time.</summary>
    /// <remarks>Pushes the ledger rows recorded since <c>sync_from</c> to the integration, in order, through its connector.
    /// Answers 202 with <c>sync_job_id</c> (<c>sync_…</c>), <c>status</c>, <c>estimated_completion</c> and <c>records_to_sync</c>;
    /// follow progress at the job's URL. Refused with 503 CIRCUIT_BREAKER_OPEN while the breaker is open.</remarks>
    [HttpPost(Base + "/sync/resume")]
    [RequireScope(Scopes.Admin)]
    [ProducesResponseType<SuccessEnvelope<SyncJobResponse>>(StatusCodes.Status202Accepted)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status503ServiceUnavailable)]
    public async Task<IActionResult> ResumeSync(string id, [FromBody] SyncResumeRequest request, CancellationToken ct)
    {
        var job = await syncJobs.ResumeAsync(id, request, ct);
        Response.Headers.Location = $"/v1/integrations/{id}/sync/jobs/{job.SyncJobId}";
        return Envelope(job, "Sync resumed", StatusCodes.Status202Accepted, toast: true);
    }

    /// <summary>List the integration's sync jobs.</summary>
    [HttpGet(Base + "/sync/jobs")]
    [RequireScope(Scopes.ReportsRead)]
    [ProducesResponseType<SuccessEnvelope<List<SyncJobResponse>>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> ListSyncJobs(string id, CancellationToken ct) =>
        List(await syncJobs.ListAsync(id, lists.Parse(Request.Query, ["status"]), ct));

    /// <summary>A sync job's progress.</summary>
    [HttpGet(Base + "/sync/jobs/{jobId}")]
    [RequireScope(Scopes.ReportsRead)]
    [ProducesResponseType<SuccessEnvelope<SyncJobResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> GetSyncJob(string id, string jobId, CancellationToken ct) =>
        Envelope(await syncJobs.GetAsync(id, jobId, ct), "Sync job retrieved successfully");
}
