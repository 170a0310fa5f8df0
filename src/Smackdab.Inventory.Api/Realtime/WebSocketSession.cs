using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Smackdab.Inventory.Domain.Features.Events;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Api.Realtime;

/// <summary>
/// One /v1/ws connection. Client messages (JSON text frames):
/// <c>{"type":"subscribe","channels":["inventory.updates"],"filters":{"location_id":"loc_…","product_category":"electronics"},"since_sequence":120}</c>,
/// <c>{"type":"unsubscribe","channels":[…]}</c>, <c>{"type":"ping"}</c>. Server messages: <c>subscribed</c>, <c>unsubscribed</c>,
/// <c>pong</c>, <c>error</c>, and the events, in the spec's shape
/// <c>{"type":"inventory.update","timestamp":…,"sequence":…,"data":{product_id, location_id, previous_quantity, current_quantity, change_reason, …}}</c>.
/// Resume after a disconnect by subscribing with <c>since_sequence</c> = the last <c>sequence</c> received.
/// </summary>
public sealed class WebSocketSession(EventFeedPump pump, EventReader reader, ILogger<WebSocketSession> logger) : IDisposable
{
    private const int MaxMessageBytes = 16 * 1024;

    /// <summary>Channel name → (event types, type of the server message).</summary>
    public static readonly IReadOnlyDictionary<string, (string[] Types, string MessageType)> Channels = new Dictionary<string, (string[], string)>(StringComparer.Ordinal)
    {
        ["inventory.updates"] = ([EventTypes.QuantityUpdated], "inventory.update"),
        ["allocations.changes"] = ([EventTypes.AllocationCreated, EventTypes.AllocationReleased, EventTypes.AllocationFulfilled,
            EventTypes.HoldPrepared, EventTypes.HoldCommitted, EventTypes.HoldAborted, EventTypes.HoldExpired], "allocation.change"),
        ["transactions.created"] = ([EventTypes.TransactionCreated, EventTypes.TransferCompleted, EventTypes.ShipmentConfirmed], "transaction.created"),
        ["products.changes"] = ([EventTypes.ProductCreated, EventTypes.ProductUpdated, EventTypes.ProductDeleted], "product.change"),
        ["locations.changes"] = ([EventTypes.LocationCreated, EventTypes.LocationUpdated, EventTypes.LocationDeleted], "location.change"),
    };

    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly HashSet<string> _channels = new(StringComparer.Ordinal);
    private JsonObject _filters = [];
    private long _position;
    private CancellationTokenSource? _subscription;
    private Task _forwarding = Task.CompletedTask;

    public void Dispose()
    {
        _subscription?.Dispose();
        _send.Dispose();
    }

    public async Task RunAsync(WebSocket socket, ITenantContext tenant, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(tenant);
        var organizationId = tenant.OrganizationId!;
        _position = (await reader.PositionsAsync(organizationId, ct)).Head;
        try
        {
            while (socket.State == WebSocketState.Open && !ct.IsCancellationRequested)
            {
                var text = await ReceiveAsync(socket, ct);
                if (text is null)
                {
                    break;
                }

                await HandleAsync(socket, tenant, organizationId, text, ct);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
            // The client went away (an abrupt disconnect surfaces as an IOException on some transports).
        }
        finally
        {
            await StopAsync();
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task HandleAsync(WebSocket socket, ITenantContext tenant, string organizationId, string text, CancellationToken ct)
    {
        JsonObject message;
        try
        {
            message = JsonNode.Parse(text) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException)
        {
            await SendAsync(socket, Error("MALFORMED_JSON", "Messages are JSON objects with a type", null), ct);
            return;
        }

        switch (message["type"]?.GetValueKind() == JsonValueKind.String ? message["type"]!.GetValue<string>() : null)
        {
            case "ping":
                await SendAsync(socket, new JsonObject { ["type"] = "pong", ["timestamp"] = DateTime.UtcNow, ["sequence"] = _position }, ct);
                break;
            case "subscribe":
                await SubscribeAsync(socket, tenant, organizationId, message, ct);
                break;
            case "unsubscribe":
                var names = Names(message["channels"]) ?? [.. _channels];
                await StopAsync();
                _channels.ExceptWith(names);
                await SendAsync(socket, new JsonObject { ["type"] = "unsubscribed", ["channels"] = Array(names), ["active_channels"] = Array(_channels) }, ct);
                if (_channels.Count > 0)
                {
                    Start(socket, tenant, organizationId, ct);
                }

                break;
            default:
                await SendAsync(socket, Error("VALIDATION_FAILED", "Unknown message type", new JsonObject { ["type"] = new JsonArray("Must be subscribe, unsubscribe or ping") }), ct);
                break;
        }
    }

    private async Task SubscribeAsync(WebSocket socket, ITenantContext tenant, string organizationId, JsonObject message, CancellationToken ct)
    {
        var names = Names(message["channels"]);
        var errors = new JsonObject();
        if (names is null || names.Count == 0 || names.Any(n => !Channels.ContainsKey(n)))
        {
            errors["channels"] = new JsonArray($"Give one or more of: {string.Join(", ", Channels.Keys)}");
        }

        var filters = message["filters"] as JsonObject ?? [];
        foreach (var (key, value) in filters)
        {
            if (FilterKey(key) is null)
            {
                errors[$"filters.{key}"] = new JsonArray("Unknown filter; use location_id, product_id, product_category or location_type");
            }
            else if (Names(value) is null)
            {
                errors[$"filters.{key}"] = new JsonArray("Must be a string or a list of strings");
            }
        }

        long? since = null;
        if (message["since_sequence"] is { } sinceNode)
        {
            if (sinceNode.GetValueKind() == JsonValueKind.Number && sinceNode.AsValue().TryGetValue<long>(out var s) && s >= 0)
            {
                since = s;
            }
            else
            {
                errors["since_sequence"] = new JsonArray("Must be a sequence number received from this feed");
            }
        }

        if (errors.Count > 0)
        {
            await SendAsync(socket, Error("VALIDATION_FAILED", "The subscription is not valid", errors), ct);
            return;
        }

        await StopAsync();
        var head = (await reader.PositionsAsync(organizationId, ct)).Head;
        if (since > head)
        {
            await SendAsync(socket, Error("VALIDATION_FAILED", "since_sequence is ahead of this feed", new JsonObject { ["since_sequence"] = new JsonArray($"The newest event is {head}") }), ct);
            Start(socket, tenant, organizationId, ct);
            return;
        }

        _channels.UnionWith(names!);
        _filters = (JsonObject)filters.DeepClone();
        _position = since ?? _position;
        await SendAsync(socket, new JsonObject
        {
            ["type"] = "subscribed",
            ["channels"] = Array(_channels),
            ["filters"] = _filters.DeepClone(),
            ["sequence"] = _position,
        }, ct);
        Start(socket, tenant, organizationId, ct);
    }

    private void Start(WebSocket socket, ITenantContext tenant, string organizationId, CancellationToken ct)
    {
        if (_channels.Count == 0)
        {
            return;
        }

        var filter = new EventFilter
        {
            BranchId = tenant.BranchIsolated ? tenant.BranchId : null,
            EventTypes = _channels.SelectMany(c => Channels[c].Types).Distinct().ToList(),
            LocationIds = Filter("location_id"),
            ProductIds = Filter("product_id"),
            ProductCategories = Filter("product_category"),
            LocationTypes = Filter("location_type"),
        };
        _subscription = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var token = _subscription.Token;
        var channel = pump.CreateChannel();
        var producing = pump.RunAsync(organizationId, _position, filter, channel.Writer, () => socket.Abort(), token);
        _forwarding = ForwardAsync(socket, channel.Reader, producing, token);
    }

    private async Task ForwardAsync(WebSocket socket, ChannelReader<FeedItem> items, Task producing, CancellationToken ct)
    {
        try
        {
            await foreach (var item in items.ReadAllAsync(ct))
            {
                if (item.Event is { } e)
                {
                    await SendAsync(socket, ToMessage(e), ct);
                    _position = e.Sequence;
                }
                else
                {
                    _position = item.FullSyncHead!.Value;
                    await SendAsync(socket, StreamMessages.FullSyncRequired(_position).Also(m => m["type"] = "full_sync_required"), ct);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or SlowConsumerException)
        {
            if (e is SlowConsumerException)
            {
                logger.LogWarning("WebSocket client too slow: its buffer stayed full; disconnected (it resumes with since_sequence)");
            }
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "WebSocket feed ended by an error; the client resumes with since_sequence");
            socket.Abort();
        }
        finally
        {
            await producing;
        }
    }

    private async Task StopAsync()
    {
        if (_subscription is { } subscription)
        {
            await subscription.CancelAsync();
            await _forwarding;
            subscription.Dispose();
            _subscription = null;
        }
    }

    private JsonObject ToMessage(StoredEvent e)
    {
        var envelope = EventEnvelope.ToJson(e);
        var channel = Channels.First(c => c.Value.Types.Contains(e.EventType));
        return new JsonObject
        {
            ["type"] = channel.Value.MessageType,
            ["channel"] = channel.Key,
            ["timestamp"] = envelope["occurred_at"]!.DeepClone(),
            ["sequence"] = e.Sequence,
            ["event_type"] = e.EventType,
            ["event_id"] = e.EventId,
            ["organization_id"] = e.OrganizationId,
            ["branch_id"] = e.BranchId,
            ["data"] = envelope["data"]!.DeepClone(),
        };
    }

    private List<string>? Filter(string name) =>
        _filters.Where(f => FilterKey(f.Key) == name).SelectMany(f => Names(f.Value) ?? []).ToList() is { Count: > 0 } values ? values : null;

    private static string? FilterKey(string key) => key switch
    {
        "location_id" or "location_ids" => "location_id",
        "product_id" or "product_ids" => "product_id",
        "product_category" or "product_categories" => "product_category",
        "location_type" or "location_types" => "location_type",
        _ => null,
    };

    private static List<string>? Names(JsonNode? node) => node switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => [v.GetValue<string>()],
        JsonArray a when a.All(i => i?.GetValueKind() == JsonValueKind.String) => a.Select(i => i!.GetValue<string>()).ToList(),
        _ => null,
    };

    private static JsonArray Array(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    private static JsonObject Error(string code, string message, JsonObject? details) =>
        new() { ["type"] = "error", ["code"] = code, ["message"] = message, ["details"] = details ?? [] };

    private async Task SendAsync(WebSocket socket, JsonObject message, CancellationToken ct)
    {
        var bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
        await _send.WaitAsync(ct);
        try
        {
            await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, ct);
        }
        finally
        {
            _send.Release();
        }
    }

    private static async Task<string?> ReceiveAsync(WebSocket socket, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxMessageBytes);
        try
        {
            var length = 0;
            while (true)
            {
                if (length == MaxMessageBytes)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, $"Messages are at most {MaxMessageBytes} bytes", ct);
                    return null;
                }

                var result = await socket.ReceiveAsync(buffer.AsMemory(length, MaxMessageBytes - length), ct);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return null;
                }

                length += result.Count;
                if (result.EndOfMessage)
                {
                    return Encoding.UTF8.GetString(buffer, 0, length);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

internal static class JsonObjectExtensions
{
    public static JsonObject Also(this JsonObject node, Action<JsonObject> change)
    {
        change(node);
        return node;
    }
}
