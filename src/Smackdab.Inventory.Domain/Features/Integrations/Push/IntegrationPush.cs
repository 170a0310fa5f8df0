using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.Integrations.Push;

/// <summary>
/// The outbound push of one integration: whether it is on, and its cursor over the organization's event sequence. The event
/// types and the path live on the <see cref="Integration"/> (<c>events</c>, <c>events_path</c>). The cursor moves only after
/// the external system accepted an event (or past events the integration does not subscribe to), so a backlog built up
/// while the system was down is pushed after it recovers, in sequence order. One instance at a time works a push: it holds
/// the lease (<see cref="LeaseOwner"/> until <see cref="LeaseExpiresAt"/>), claimed with FOR UPDATE SKIP LOCKED.
/// </summary>
public sealed class IntegrationPush : ITenantOwned
{
    public string IntegrationId { get; set; } = "";

    public string OrganizationId { get; set; } = "";

    public bool Enabled { get; set; }

    /// <summary>The last sequence pushed or passed over; the next push is of the first subscribed event after it.</summary>
    public long Cursor { get; set; }

    public long PushedCount { get; set; }

    public DateTime? LastPushedAt { get; set; }

    public string? LastPushedEventId { get; set; }

    public DateTime? LastAttemptAt { get; set; }

    /// <summary>Why the last attempt failed (<c>ERROR_CLASS: message</c>); null after a success.</summary>
    public string? LastError { get; set; }

    /// <summary>Failed attempts in a row at the event after the cursor; the wait before the next one grows with it.</summary>
    public int FailedAttempts { get; set; }

    /// <summary>Not before this time (after a failure, or while the breaker is open); null: due whenever there is work.</summary>
    public DateTime? NextAttemptAt { get; set; }

    public string? LeaseOwner { get; set; }

    public DateTime? LeaseExpiresAt { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}
