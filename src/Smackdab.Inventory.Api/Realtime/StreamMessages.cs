using System.Text.Json.Nodes;
using Smackdab.Inventory.Domain.Features.Events;

namespace Smackdab.Inventory.Api.Realtime;

/// <summary>
/// The JSON a stream sends for an event: the spec's SSE shape first (<c>event</c> with the short name, and for the three
/// named events their headline fields, e.g. <c>"quantity": 95</c> for inventory.updated), then the full envelope.
/// </summary>
public static class StreamMessages
{
    public static JsonObject ForEvent(StoredEvent e)
    {
        var envelope = EventEnvelope.ToJson(e);
        var data = envelope["data"]!;
        var message = new JsonObject { ["event"] = EventTypes.StreamName(e.EventType) };
        switch (e.EventType)
        {
            case EventTypes.QuantityUpdated:
                Copy(data, message, "product_id", "location_id");
                message["quantity"] = data["current_quantity"]?.DeepClone();
                break;
            case EventTypes.AllocationCreated:
                Copy(data, message, "allocation_id", "product_id", "quantity");
                break;
            case EventTypes.ShipmentConfirmed:
                Copy(data, message, "shipment_id", "tracking_number");
                break;
        }

        foreach (var (key, value) in envelope.ToList())
        {
            envelope.Remove(key);
            message[key] = value;
        }

        return message;
    }

    /// <summary>Sent instead of events when the client's position is older than retention; it continues from <paramref name="head"/>.</summary>
    public static JsonObject FullSyncRequired(long head) => new()
    {
        ["event"] = "full_sync_required",
        ["full_sync_required"] = true,
        ["sequence"] = head,
        ["message"] = "Events after your position were deleted by retention: reload products and stock, then continue from this sequence",
    };

    private static void Copy(JsonNode from, JsonObject to, params string[] keys)
    {
        foreach (var key in keys)
        {
            to[key] = from[key]?.DeepClone();
        }
    }
}
