using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Api.Realtime;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Events;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Api.Controllers;

[Tags("Change feed")]
public sealed class WebSocketController(TenantContext tenant, WebSocketSession session, IOptions<EventOptions> options) : ApiControllerBase
{
    /// <summary>WebSocket: subscribe to channels of the change feed.</summary>
    /// <remarks>
    /// Authenticate the upgrade request like any other (X-API-Key or Authorization: Bearer, with X-Organization-ID); browsers use
    /// <c>?ticket=</c> from <c>POST /v1/stream-tickets</c>. Then send
    /// <c>{"type":"subscribe","channels":["inventory.updates","allocations.changes"],"filters":{"location_id":"loc_…","product_category":"electronics"}}</c>
    /// (optionally <c>"since_sequence": N</c> to resume after the last <c>sequence</c> you received), <c>unsubscribe</c> and
    /// <c>ping</c> (answered by <c>pong</c>). Channels: inventory.updates, allocations.changes, transactions.created,
    /// products.changes, locations.changes. Updates arrive as <c>{"type":"inventory.update","timestamp":…,"sequence":…,"data":{…}}</c>.
    /// A plain GET (no upgrade) is a 400.
    /// </remarks>
    [HttpGet("v1/ws")]
    [RequireScope(Scopes.ProductsRead)]
    [AcceptsStreamTicket]
    [ProducesResponseType(StatusCodes.Status101SwitchingProtocols)]
    public async Task<IActionResult> Connect(CancellationToken ct)
    {
        if (!HttpContext.WebSockets.IsWebSocketRequest)
        {
            throw new ValidationFailedException("Upgrade", "This endpoint speaks WebSocket: connect with an Upgrade: websocket request");
        }

        using var socket = await HttpContext.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = TimeSpan.FromSeconds(options.Value.StreamHeartbeatSeconds),
        });
        await session.RunAsync(socket, tenant, ct);
        return new EmptyResult();
    }
}
