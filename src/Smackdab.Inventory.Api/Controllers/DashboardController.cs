using Microsoft.AspNetCore.Mvc;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Api.Observability;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Events;
using Smackdab.Inventory.Domain.Features.Observability;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Api.Controllers;

/// <summary>The spec's "API Integration Dashboard" for operations staff; the page at /dashboard shows it as charts.</summary>
/// <summary>A dashboard stream ticket, with the SSE event names to listen for (an EventSource needs each name).</summary>
public sealed record DashboardStreamTicketResponse(string Ticket, DateTime ExpiresAt, int ExpiresInSeconds, string StreamUrl, IReadOnlyList<string> EventNames);

[Tags("Dashboard")]
[Route("v1/dashboard")]
public sealed class DashboardController(DashboardService dashboard, TenantContext tenant, StreamTicketService tickets) : ApiControllerBase
{
    private static readonly IReadOnlyList<string> StreamEventNames =
        [.. EventTypes.All.Select(EventTypes.StreamName).Append("full_sync_required").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

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

    /// <summary>A stream ticket for the dashboard page's live updates.</summary>
    /// <remarks>
    /// The same short-lived, single-use ticket as <c>POST /v1/stream-tickets</c> (open <c>stream_url</c> with an
    /// <c>EventSource</c>; the page refreshes its figures when a change arrives), with the event names to listen for, and,
    /// like <c>GET /v1/dashboard</c>, not counted in the dashboard's own figures, so that watching them does not move them.
    /// Needs <c>inventory.products.read</c>, as the stream does (it carries stock changes).
    /// </remarks>
    [HttpPost("stream-ticket")]
    [NotCountedOnDashboard]
    [RequireScope(Scopes.ProductsRead)]
    [ProducesResponseType<SuccessEnvelope<DashboardStreamTicketResponse>>(StatusCodes.Status201Created)]
    public async Task<IActionResult> StreamTicket(CancellationToken ct)
    {
        var scopes = User.Scopes().ToList();
        var organizationId = tenant.RequireOrganization();
        var issued = await tickets.IssueAsync(
            organizationId, tenant.BranchIsolated ? tenant.BranchId : null, scopes, User.FindFirst(CallerClaims.KeyId)?.Value, ct);
        var query = Uri.EscapeDataString(issued.Ticket);
        return Created(
            new DashboardStreamTicketResponse(issued.Ticket, issued.ExpiresAt, issued.ExpiresInSeconds, $"/v1/inventory/events/stream?ticket={query}", StreamEventNames),
            "Stream ticket issued");
    }
}
