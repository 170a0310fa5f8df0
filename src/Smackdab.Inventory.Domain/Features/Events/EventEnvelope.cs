using System.Text.Json.Nodes;

namespace Smackdab.Inventory.Domain.Features.Events;

/// <summary>
/// The event as consumers receive it (webhook body, SSE data, WebSocket, polling): the spec's envelope
/// <c>event_type, event_id, occurred_at, organization_id, branch_id, data</c> plus the feed position <c>sequence</c>.
/// </summary>
public static class EventEnvelope
{
    public static JsonObject ToJson(StoredEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new JsonObject
        {
            ["event_type"] = e.EventType,
            ["event_id"] = e.EventId,
            ["occurred_at"] = DateTime.SpecifyKind(e.OccurredAt, DateTimeKind.Utc),
            ["organization_id"] = e.OrganizationId,
            ["branch_id"] = e.BranchId,
            ["sequence"] = e.Sequence,
            ["data"] = JsonNode.Parse(e.Data),
        };
    }

    public static string ToJsonString(StoredEvent e) => ToJson(e).ToJsonString();
}
