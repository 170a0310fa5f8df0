using FluentValidation;
using Smackdab.Inventory.Domain.Features.Webhooks;

namespace Smackdab.Inventory.Domain.Features.Integrations.Push;

/// <summary>Body of PUT /v1/integrations/{id}/push.</summary>
public sealed record PushSettingsRequest
{
    /// <summary>Push (true) or pause (false: events keep queuing behind the cursor and are pushed when enabled again).</summary>
    public bool? Enabled { get; init; }

    /// <summary>
    /// Event types to push: full types (<c>inventory.shipment.confirmed</c>), the spec's short names (<c>shipment.confirmed</c>),
    /// <c>prefix.*</c> or <c>*</c>. Stored as the integration's <c>events</c>; omitted: keep them.
    /// </summary>
    public IReadOnlyList<string>? Events { get; init; }

    /// <summary>Path under the integration's base_url that each event is POSTed to (the integration's <c>events_path</c>); default /inventory-events.</summary>
    public string? Path { get; init; }

    /// <summary>
    /// Where the cursor starts: <c>now</c> (only events written from now on; the default when a push is first set up) or
    /// <c>beginning</c> (every event still retained). Omitted on a later update: the cursor stays where it is.
    /// </summary>
    public string? StartFrom { get; init; }

    public static PushSettingsRequest Example => new()
    {
        Enabled = true,
        Events = ["shipment.confirmed", "inventory.transaction.created"],
        Path = "/inventory-events",
        StartFrom = PushStartPoints.Now,
    };
}

public static class PushStartPoints
{
    public const string Now = "now";
    public const string Beginning = "beginning";

    public static readonly IReadOnlyList<string> All = [Now, Beginning];
}

/// <summary>The push of an integration: its settings and where it stands.</summary>
public sealed record PushStatusResponse
{
    public string IntegrationId { get; init; } = "";

    public bool Enabled { get; init; }

    public IReadOnlyList<string> Events { get; init; } = [];

    public string Path { get; init; } = "";

    /// <summary>
    /// <c>disabled</c> (push or integration switched off), <c>up_to_date</c>, <c>pushing</c> (a backlog is being sent),
    /// <c>retrying</c> (the last attempt failed; see last_error and next_attempt_at) or <c>circuit_open</c>.
    /// </summary>
    public string Status { get; init; } = "";

    /// <summary>The last event sequence pushed (or passed over as not subscribed).</summary>
    public long Cursor { get; init; }

    /// <summary>The organization's latest event sequence.</summary>
    public long Head { get; init; }

    /// <summary>Subscribed events after the cursor, still to be pushed.</summary>
    public long Backlog { get; init; }

    public long PushedCount { get; init; }

    public DateTime? LastPushedAt { get; init; }

    public string? LastPushedEventId { get; init; }

    public DateTime? LastAttemptAt { get; init; }

    public string? LastError { get; init; }

    public int FailedAttempts { get; init; }

    public DateTime? NextAttemptAt { get; init; }

    /// <summary>The connector's breaker: CLOSED, OPEN or HALF_OPEN.</summary>
    public string CircuitState { get; init; } = "";

    public static PushStatusResponse Example => new()
    {
        IntegrationId = "int_quickbooks",
        Enabled = true,
        Events = ["shipment.confirmed", "inventory.transaction.created"],
        Path = "/inventory-events",
        Status = PushStatuses.Pushing,
        Cursor = 10_432,
        Head = 11_679,
        Backlog = 1_247,
        PushedCount = 10_112,
        LastPushedAt = new DateTime(2025, 1, 28, 8, 16, 0, DateTimeKind.Utc),
        LastPushedEventId = "evt_abc123",
        LastAttemptAt = new DateTime(2025, 1, 28, 8, 16, 0, DateTimeKind.Utc),
        CircuitState = "HALF_OPEN",
    };
}

public static class PushStatuses
{
    public const string Disabled = "disabled";
    public const string UpToDate = "up_to_date";
    public const string Pushing = "pushing";
    public const string Retrying = "retrying";
    public const string CircuitOpen = "circuit_open";
}

public sealed class PushSettingsRequestValidator : AbstractValidator<PushSettingsRequest>
{
    private const string PathPattern = "^/[A-Za-z0-9._~!$&'()*+,;=:@/%-]*$";

    public PushSettingsRequestValidator()
    {
        RuleFor(r => r.Events).Must(e => e is null || e.Count <= 50).WithMessage("At most 50 event types");
        RuleForEach(r => r.Events).Must(WebhookEventTypes.IsValidPattern)
            .WithMessage($"Unknown event type; use one of {string.Join(", ", WebhookEventTypes.All)}, '*' or a 'prefix.*' pattern");
        RuleFor(r => r.Path).MaximumLength(500).Matches(PathPattern).WithMessage("Must be a path starting with /");
        RuleFor(r => r.StartFrom).Must(s => s is null || PushStartPoints.All.Contains(s))
            .WithMessage($"Must be one of: {string.Join(", ", PushStartPoints.All)}");
    }
}
