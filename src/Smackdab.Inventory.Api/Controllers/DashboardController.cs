using Microsoft.AspNetCore.Mvc;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Api.Observability;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Observability;

namespace Smackdab.Inventory.Api.Controllers;

/// <summary>The spec's "API Integration Dashboard" for operations staff; the page at /dashboard shows it as charts.</summary>
[Tags("Dashboard")]
[Route("v1/dashboard")]
public sealed class DashboardController(DashboardService dashboard) : ApiControllerBase
{
    /// <summary>The organization's API and integration health over the last 24 hours.</summary>
    /// <remarks>
    /// Totals, success and error rates, average and p95/p99 response times of the organization's API calls (from per-minute
    /// rollups in PostgreSQL: the same on every instance, kept across restarts); top errors by <c>error.code</c> with counts
    /// and shares; busiest endpoints; hourly and per-minute timelines; each integration's status, breaker state, last sync,
    /// success rate, average response time and daily volume (its connector calls); webhook and sync figures; and the
    /// critical issues that need action (open breakers, dead-lettered webhooks, failing sync jobs, degraded integrations,
    /// a high error rate). Requests to this endpoint are not counted in its own figures. Records reach the rollups within
    /// a moment of the response, written in the background.
    /// </remarks>
    [HttpGet]
    [NotCountedOnDashboard]
    [RequireScope(Scopes.ReportsRead)]
    [ProducesResponseType<SuccessEnvelope<DashboardResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Get(CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        return Envelope(await dashboard.GetAsync(ct), "Dashboard retrieved successfully");
    }
}
