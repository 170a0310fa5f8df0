using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.Webhooks;

/// <summary>
/// One event to deliver to one subscription, with its exact body (what is signed is what is sent, on every attempt). Deliveries
/// of one subscription and one resource (<see cref="OrderingKey"/>) go out one at a time, in sequence order.
/// </summary>
public sealed class WebhookDelivery : ITenantOwned
{
    public string Id { get; set; } = "";

    public string OrganizationId { get; set; } = "";

    public string SubscriptionId { get; set; } = "";

    /// <summary>The event id, sent as <c>webhook-id</c>: the same on every attempt, redelivery and replay, so receivers can deduplicate.</summary>
    public string EventId { get; set; } = "";

    public string EventType { get; set; } = "";

    public long EventSequence { get; set; }

    public string OrderingKey { get; set; } = "";

    public string Payload { get; set; } = "";

    /// <summary>True for a delivery made by a replay request rather than by the live fan-out.</summary>
    public bool IsReplay { get; set; }

    public string Status { get; set; } = WebhookDeliveryStatuses.Pending;

    /// <summary>Attempts in the current round (a redelivery starts a new round).</summary>
    public int Attempts { get; set; }

    public int TotalAttempts { get; set; }

    public DateTime NextAttemptAt { get; set; }

    /// <summary>While set and in the future (database clock), one worker instance holds the delivery.</summary>
    public DateTime? LeaseExpiresAt { get; set; }

    public DateTime? LastAttemptAt { get; set; }

    public int? LastStatusCode { get; set; }

    public int? LastLatencyMs { get; set; }

    public string? LastError { get; set; }

    public DateTime? DeliveredAt { get; set; }

    public DateTime? DeadLetteredAt { get; set; }

    public DateTime CreatedAt { get; set; }

    public List<WebhookDeliveryAttempt> AttemptLog { get; set; } = [];
}

/// <summary>One HTTP attempt of a delivery.</summary>
public sealed class WebhookDeliveryAttempt : ITenantOwned
{
    public long Id { get; set; }

    public string DeliveryId { get; set; } = "";

    public string OrganizationId { get; set; } = "";

    public string SubscriptionId { get; set; } = "";

    public int Number { get; set; }

    public DateTime AttemptedAt { get; set; }

    public bool Succeeded { get; set; }

    public int? StatusCode { get; set; }

    public int LatencyMs { get; set; }

    public string? Error { get; set; }
}

public static class WebhookDeliveryStatuses
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";

    /// <summary>Every attempt failed; only a redelivery sends it again.</summary>
    public const string DeadLettered = "dead_lettered";

    public static readonly IReadOnlyList<string> All = [Pending, Delivered, DeadLettered];
}
