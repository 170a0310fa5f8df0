using Microsoft.AspNetCore.Mvc;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Events;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Api.Controllers;

public sealed record StreamTicketResponse(string Ticket, DateTime ExpiresAt, int ExpiresInSeconds, string StreamUrl, string WebsocketUrl);

[Tags("Change feed")]
public sealed class StreamTicketsController(TenantContext tenant, StreamTicketService tickets) : ApiControllerBase
{
    /// <summary>A short-lived, single-use ticket for a browser stream.</summary>
    /// <remarks>
    /// <c>EventSource</c> and <c>WebSocket</c> in a browser cannot send headers, and an API key or token must never travel in a
    /// URL. Call this from your backend (or with your session), hand the ticket to the page, and open
    /// <c>/v1/inventory/events/stream?ticket=…</c> or <c>/v1/ws?ticket=…</c> within <c>expires_in_seconds</c>. A ticket works
    /// once and carries the caller's organization, branch isolation and scopes.
    /// </remarks>
    [HttpPost("v1/stream-tickets")]
    [RequireScope(Scopes.ProductsRead)]
    [ProducesResponseType<SuccessEnvelope<StreamTicketResponse>>(StatusCodes.Status201Created)]
    public async Task<IActionResult> Create(CancellationToken ct)
    {
        var organizationId = tenant.RequireOrganization();
        var issued = await tickets.IssueAsync(
            organizationId, tenant.BranchIsolated ? tenant.BranchId : null, User.Scopes(), User.FindFirst(CallerClaims.KeyId)?.Value, ct);
        var query = Uri.EscapeDataString(issued.Ticket);
        return Created(
            new StreamTicketResponse(issued.Ticket, issued.ExpiresAt, issued.ExpiresInSeconds, $"/v1/inventory/events/stream?ticket={query}", $"/v1/ws?ticket={query}"),
            "Stream ticket issued");
    }
}
