using Microsoft.AspNetCore.Mvc;
using Smackdab.Inventory.Api.Realtime;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Events;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Api.Controllers;

[Tags("Change feed")]
public sealed class EventStreamController(TenantContext tenant, EventReader reader, ServerSentEventsWriter sse) : ApiControllerBase
{
    /// <summary>Server-Sent Events: the organization's change feed, live.</summary>
    /// <remarks>
    /// <c>text/event-stream</c>. Each event: <c>id:</c> its sequence, <c>event:</c> its name (the spec's <c>inventory.updated</c>,
    /// <c>allocation.created</c>, <c>shipment.confirmed</c>, else the full type from shared/hooks.yaml), <c>data:</c> the spec's
    /// short fields plus the full envelope. Without <c>Last-Event-ID</c> (header, or <c>last_event_id</c> query for the first
    /// connect) the stream starts with the next change; with it, it resumes right after that event: no loss, no duplicate.
    /// A position older than retention gets one <c>event: full_sync_required</c> and the stream continues from the newest event.
    /// Filters: <c>event_types</c>, <c>location_id(s)</c>, <c>product_id(s)</c>, <c>product_categories</c>, <c>location_types</c>
    /// (comma-separated). Heartbeat comments keep idle connections open; a client that does not read is disconnected.
    /// Browsers (EventSource cannot send headers) authenticate with <c>?ticket=</c> from <c>POST /v1/stream-tickets</c>; never put an API key in a URL.
    /// </remarks>
    [HttpGet("v1/inventory/events/stream")]
    [RequireScope(Scopes.ProductsRead)]
    [EventStream]
    [AcceptsStreamTicket]
    [Produces("text/event-stream")]
    [ProducesResponseType(StatusCodes.Status200OK)]
    public async Task Stream(CancellationToken ct)
    {
        var organizationId = tenant.RequireOrganization();
        var filter = FeedQuery.Parse(Request.Query, tenant);
        var lastEventId = FeedQuery.Position(Request.Headers["Last-Event-ID"], "Last-Event-ID")
            ?? FeedQuery.Position(Request.Query["last_event_id"], "last_event_id");
        var (head, _) = await reader.PositionsAsync(organizationId, ct);
        if (lastEventId > head)
        {
            throw new ValidationFailedException("Last-Event-ID", $"Is ahead of this feed; its newest event is {head}");
        }

        await sse.RunAsync(HttpContext, organizationId, lastEventId ?? head, filter, ct);
    }
}
