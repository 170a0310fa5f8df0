namespace Smackdab.Inventory.Domain.Features.Events;

/// <summary>Options of the change feed (section "Events").</summary>
public sealed class EventOptions
{
    public const string Section = "Events";

    /// <summary>How long events are kept. A position older than this gets <c>full_sync_required</c>.</summary>
    public double RetentionHours { get; set; } = 7 * 24;

    /// <summary>How often the retention job deletes expired events.</summary>
    public double PruneIntervalSeconds { get; set; } = 300;

    /// <summary>Events deleted per statement by the retention job.</summary>
    public int PruneBatchSize { get; set; } = 5000;

    /// <summary>Fallback re-read interval of a waiting consumer when no notification arrives (a lost NOTIFY costs at most this).</summary>
    public double PollFallbackSeconds { get; set; } = 5;

    /// <summary>An idle SSE or WebSocket connection gets a heartbeat this often.</summary>
    public double StreamHeartbeatSeconds { get; set; } = 15;

    /// <summary>Events buffered per stream connection; memory per connection is bounded by it.</summary>
    public int StreamBufferSize { get; set; } = 500;

    /// <summary>A stream client whose buffer stays full this long is too slow and is disconnected (it resumes with its last id).</summary>
    public double StreamSlowClientSeconds { get; set; } = 10;

    /// <summary>Lifetime of a stream ticket (POST /v1/stream-tickets); each ticket also works only once.</summary>
    public int StreamTicketSeconds { get; set; } = 60;

    /// <summary><c>meta.next_poll_after</c> of GET /v1/inventory/changes: how long a poller should wait.</summary>
    public double PollIntervalSeconds { get; set; } = 60;

    /// <summary>
    /// Base64 HMAC key of sync tokens (at least 32 bytes). When empty, a random key is made once and kept in the database,
    /// shared by every instance.
    /// </summary>
    public string? SyncTokenSecret { get; set; }
}
