using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Smackdab.Inventory.Tests.Integration.Ledger;

namespace Smackdab.Inventory.Tests.Integration.Events;

public sealed class WebSocketTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static async Task<WebSocket> ConnectAsync(ApiFactory api, Tenant tenant, string query = "")
    {
        var client = api.Server.CreateWebSocketClient();
        if (query.Length == 0)
        {
            client.ConfigureRequest = request =>
            {
                request.Headers["X-API-Key"] = tenant.AdminKey;
                request.Headers["X-Organization-ID"] = tenant.OrganizationId;
            };
        }

        return await client.ConnectAsync(new Uri(api.Server.BaseAddress, "/v1/ws" + query), CancellationToken.None);
    }

    private static Task SendAsync(WebSocket socket, object message) =>
        socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, true, CancellationToken.None);

    private static async Task<JsonElement> ReceiveAsync(WebSocket socket)
    {
        using var deadline = new CancellationTokenSource(Wait);
        var buffer = new byte[64 * 1024];
        var length = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(length), deadline.Token);
            Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
            length += result.Count;
            if (result.EndOfMessage)
            {
                return JsonDocument.Parse(Encoding.UTF8.GetString(buffer, 0, length)).RootElement.Clone();
            }
        }
    }

    private static async Task<JsonElement> ReceiveTypeAsync(WebSocket socket, string type)
    {
        while (true)
        {
            var message = await ReceiveAsync(socket);
            if (message.GetProperty("type").GetString() == type)
            {
                return message;
            }
        }
    }

    [Fact]
    public async Task Subscribe_delivers_inventory_updates_in_the_spec_shape_filtered_and_ping_gets_pong()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var watched = await kit.LocationAsync("Watched");
        var ignored = await kit.LocationAsync("Ignored");
        using var socket = await ConnectAsync(kit.Api, kit.Tenant);

        await SendAsync(socket, new { type = "subscribe", channels = new[] { "inventory.updates" }, filters = new { location_id = watched } });
        var subscribed = await ReceiveAsync(socket);
        Assert.Equal("subscribed", subscribed.GetProperty("type").GetString());

        await kit.BookAsync("receipt", product, ignored, 1);
        var receipt = await kit.BookAsync("receipt", product, watched, 100);
        await kit.BookAsync("shipment", product, watched, 5);

        var first = await ReceiveAsync(socket);
        Assert.Equal("inventory.update", first.GetProperty("type").GetString());
        var data = first.GetProperty("data");
        Assert.Equal(product, data.GetProperty("product_id").GetString());
        Assert.Equal(watched, data.GetProperty("location_id").GetString());
        Assert.Equal(0m, data.GetProperty("previous_quantity").GetDecimal());
        Assert.Equal(100m, data.GetProperty("current_quantity").GetDecimal());
        Assert.Equal("receipt", data.GetProperty("change_reason").GetString());
        Assert.Equal(receipt.GetProperty("id").GetString(), data.GetProperty("transaction_id").GetString());
        Assert.True(first.TryGetProperty("timestamp", out _));
        var second = await ReceiveAsync(socket);
        Assert.Equal(95m, second.GetProperty("data").GetProperty("current_quantity").GetDecimal());
        Assert.Equal("shipment", second.GetProperty("data").GetProperty("change_reason").GetString());
        Assert.True(second.GetProperty("sequence").GetInt64() > first.GetProperty("sequence").GetInt64());

        await SendAsync(socket, new { type = "ping" });
        Assert.Equal("pong", (await ReceiveAsync(socket)).GetProperty("type").GetString());

        await SendAsync(socket, new { type = "unsubscribe", channels = new[] { "inventory.updates" } });
        Assert.Equal("unsubscribed", (await ReceiveAsync(socket)).GetProperty("type").GetString());
        await kit.BookAsync("receipt", product, watched, 1);
        await SendAsync(socket, new { type = "ping" });
        Assert.Equal("pong", (await ReceiveAsync(socket)).GetProperty("type").GetString());
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    [Fact]
    public async Task A_client_that_reconnects_with_since_sequence_gets_every_missed_event_once_in_order()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        long last;
        using (var socket = await ConnectAsync(kit.Api, kit.Tenant))
        {
            await SendAsync(socket, new { type = "subscribe", channels = new[] { "inventory.updates", "transactions.created" } });
            await ReceiveTypeAsync(socket, "subscribed");
            await kit.BookAsync("receipt", product, location, 1);
            await ReceiveAsync(socket);
            last = (await ReceiveAsync(socket)).GetProperty("sequence").GetInt64();
            socket.Abort();
        }

        for (var i = 0; i < 10; i++)
        {
            await kit.BookAsync("receipt", product, location, 1);
        }

        using var again = await ConnectAsync(kit.Api, kit.Tenant);
        await SendAsync(again, new { type = "subscribe", channels = new[] { "inventory.updates", "transactions.created" }, since_sequence = last });
        Assert.Equal(last, (await ReceiveTypeAsync(again, "subscribed")).GetProperty("sequence").GetInt64());
        var sequences = new List<long>();
        for (var i = 0; i < 20; i++)
        {
            sequences.Add((await ReceiveAsync(again)).GetProperty("sequence").GetInt64());
        }

        Assert.Equal(Enumerable.Range(1, 20).Select(i => last + i), sequences);
    }

    [Fact]
    public async Task Bad_messages_get_an_error_message_and_the_connection_stays_usable()
    {
        var kit = await StockKit.NewTenantAsync();
        using var socket = await ConnectAsync(kit.Api, kit.Tenant);

        await socket.SendAsync(Encoding.UTF8.GetBytes("not json"), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal("MALFORMED_JSON", (await ReceiveTypeAsync(socket, "error")).GetProperty("code").GetString());
        await SendAsync(socket, new { type = "subscribe", channels = new[] { "nonsense" }, filters = new { colour = "red" } });
        var error = await ReceiveTypeAsync(socket, "error");
        Assert.Equal("VALIDATION_FAILED", error.GetProperty("code").GetString());
        Assert.True(error.GetProperty("details").TryGetProperty("channels", out _));
        Assert.True(error.GetProperty("details").TryGetProperty("filters.colour", out _));
        await SendAsync(socket, new { type = "subscribe", channels = new[] { "inventory.updates" }, since_sequence = 999999 });
        Assert.True((await ReceiveTypeAsync(socket, "error")).GetProperty("details").TryGetProperty("since_sequence", out _));
        await SendAsync(socket, new { type = "dance" });
        Assert.Equal("VALIDATION_FAILED", (await ReceiveTypeAsync(socket, "error")).GetProperty("code").GetString());
        await SendAsync(socket, new { type = "ping" });
        Assert.Equal("pong", (await ReceiveAsync(socket)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_browser_connects_with_a_ticket_and_sees_only_its_organization()
    {
        var kit = await StockKit.NewTenantAsync();
        var other = await StockKit.NewTenantAsync(kit.Api);
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        using var ticketResponse = await kit.Client.PostAsync("/v1/stream-tickets", null);
        var ticket = (await Envelopes.SuccessAsync(ticketResponse, HttpStatusCode.Created)).GetProperty("ticket").GetString();

        using var socket = await ConnectAsync(kit.Api, kit.Tenant, $"?ticket={ticket}");
        await SendAsync(socket, new { type = "subscribe", channels = new[] { "inventory.updates" } });
        await ReceiveTypeAsync(socket, "subscribed");
        await other.BookAsync("receipt", await other.ProductAsync(), await other.LocationAsync(), 1);
        await kit.BookAsync("receipt", product, location, 2);
        var update = await ReceiveAsync(socket);
        Assert.Equal(kit.Tenant.OrganizationId, update.GetProperty("organization_id").GetString());
        Assert.Equal(product, update.GetProperty("data").GetProperty("product_id").GetString());
    }

    [Fact]
    public async Task A_plain_get_of_the_websocket_endpoint_is_a_400_envelope()
    {
        var kit = await StockKit.NewTenantAsync();
        using var response = await kit.Client.GetAsync("/v1/ws");
        await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
    }
}
