using System.ComponentModel.DataAnnotations;

namespace Smackdab.Inventory.Domain.Features.Observability;

/// <summary>Section "Dashboard": what GET /v1/dashboard calls degraded and what it lists.</summary>
public sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    /// <summary>Error codes listed under top_errors.</summary>
    [Range(1, 50)]
    public int TopErrors { get; set; } = 5;

    /// <summary>Routes listed under endpoints (by volume).</summary>
    [Range(1, 200)]
    public int TopEndpoints { get; set; } = 10;

    /// <summary>Integrations listed (most troubled first); integrations_total counts all.</summary>
    [Range(1, 1000)]
    public int MaxIntegrations { get; set; } = 100;

    /// <summary>An integration whose 24-hour success rate is below this (percent) is degraded.</summary>
    [Range(0.0, 100.0)]
    public double DegradedSuccessRatePercent { get; set; } = 99.0;

    /// <summary>An integration whose 24-hour average response time is above this is degraded.</summary>
    [Range(1, 600_000)]
    public int DegradedResponseTimeMs { get; set; } = 1000;

    /// <summary>An API error rate above this (percent, over at least 20 calls) is a critical issue (warning).</summary>
    [Range(0.0, 100.0)]
    public double ErrorRateWarningPercent { get; set; } = 5.0;
}

/// <summary>The spec's "API Integration Dashboard": the last 24 hours of one organization.</summary>
public sealed record DashboardResponse
{
    public DateTime GeneratedAt { get; init; }

    public DashboardWindow Window { get; init; } = new();

    public SystemHealth SystemHealth { get; init; } = new();

    public List<ErrorShare> TopErrors { get; init; } = [];

    public List<EndpointPerformance> Endpoints { get; init; } = [];

    /// <summary>24 hourly points, oldest first (hours without calls included).</summary>
    public List<TimelinePoint> Timeline { get; init; } = [];

    /// <summary>The last 60 minutes, per minute, oldest first.</summary>
    public List<TimelinePoint> RecentTimeline { get; init; } = [];

    public List<IntegrationStatus> Integrations { get; init; } = [];

    public int IntegrationsTotal { get; init; }

    public WebhookPerformance WebhookPerformance { get; init; } = new();

    public InventorySyncMetrics InventorySyncMetrics { get; init; } = new();

    /// <summary>What needs action now, critical first.</summary>
    public List<CriticalIssue> CriticalIssues { get; init; } = [];
}

public sealed record DashboardWindow
{
    public DateTime From { get; init; }

    public DateTime To { get; init; }

    public int Hours { get; init; }
}

public sealed record SystemHealth
{
    public long TotalApiCalls { get; init; }

    public long SuccessfulCalls { get; init; }

    public long ErrorCount { get; init; }

    /// <summary>Percent of calls answered below 400; null without calls.</summary>
    public double? SuccessRate { get; init; }

    public double? ErrorRate { get; init; }

    public double? AverageResponseTimeMs { get; init; }

    /// <summary>Estimated from fixed latency buckets (linear within a bucket).</summary>
    public double? P95ResponseTimeMs { get; init; }

    public double? P99ResponseTimeMs { get; init; }

    public int CircuitBreakersOpen { get; init; }

    /// <summary>"All systems healthy", or which breakers are open.</summary>
    public string CircuitBreakerStatus { get; init; } = "";
}

public sealed record ErrorShare(string Code, long Count, double Share);

public sealed record EndpointPerformance
{
    public string Method { get; init; } = "";

    public string Route { get; init; } = "";

    public long RequestVolume { get; init; }

    public double SuccessRate { get; init; }

    public double AverageResponseTimeMs { get; init; }

    public double? P95ResponseTimeMs { get; init; }

    public double? P99ResponseTimeMs { get; init; }
}

public sealed record TimelinePoint
{
    public DateTime At { get; init; }

    public long Calls { get; init; }

    public long Errors { get; init; }

    public double? AverageResponseTimeMs { get; init; }
}

public sealed record IntegrationStatus
{
    public string Id { get; init; } = "";

    public string Name { get; init; } = "";

    public string Type { get; init; } = "";

    public string? Provider { get; init; }

    /// <summary>healthy, degraded, circuit_open or disabled.</summary>
    public string Status { get; init; } = "";

    public string CircuitState { get; init; } = "";

    public DateTime? LastSync { get; init; }

    public DateTime? LastSuccessfulCall { get; init; }

    /// <summary>Percent of the last 24 hours' calls that succeeded; null without calls.</summary>
    public double? SuccessRate { get; init; }

    public double? AverageResponseTimeMs { get; init; }

    /// <summary>Calls in the last 24 hours.</summary>
    public long DailyVolume { get; init; }

    public long ErrorCount { get; init; }

    public string? TopErrorClass { get; init; }

    public string? Issue { get; init; }

    public string? ActionRequired { get; init; }
}

public sealed record WebhookPerformance
{
    public double? DeliverySuccessRate { get; init; }

    public double? AverageDeliveryTimeMs { get; init; }

    public int DeliveredDeliveries24h { get; init; }

    public int FailedDeliveries24h { get; init; }

    public double? RetrySuccessRate { get; init; }

    public int PendingDeliveries { get; init; }
}

public sealed record InventorySyncMetrics
{
    /// <summary>Change feed events recorded in the last 24 hours (what webhooks, streams and polling carry).</summary>
    public int RealTimeUpdates { get; init; }

    /// <summary>Successful polls of GET /v1/inventory/changes in the last 24 hours: clients catching up by polling, the spec's fallback to webhooks.</summary>
    public long PollingFallbacks { get; init; }

    /// <summary>Percent of stock positions whose on_hand equals the sum of their ledger entries (now, not over 24 hours); null without stock.</summary>
    public double? DataConsistency { get; init; }

    /// <summary>Completed full exports in the last 24 hours.</summary>
    public int FullSyncs { get; init; }

    public int SyncJobsCompleted24h { get; init; }

    public long RecordsSynced24h { get; init; }

    /// <summary>Sync jobs still processing whose last pass failed.</summary>
    public int SyncJobsFailing { get; init; }

    public int OpenConflicts { get; init; }
}

public sealed record CriticalIssue
{
    /// <summary>critical or warning.</summary>
    public string Severity { get; init; } = "";

    /// <summary>CIRCUIT_BREAKER_OPEN, INTEGRATION_DEGRADED, WEBHOOK_DEAD_LETTERS, SYNC_JOB_FAILING, HIGH_ERROR_RATE.</summary>
    public string Kind { get; init; } = "";

    public string Message { get; init; } = "";

    public string? IntegrationId { get; init; }

    public string? ActionRequired { get; init; }
}

public static class DashboardIssueKinds
{
    public const string CircuitBreakerOpen = "CIRCUIT_BREAKER_OPEN";
    public const string IntegrationDegraded = "INTEGRATION_DEGRADED";
    public const string WebhookDeadLetters = "WEBHOOK_DEAD_LETTERS";
    public const string SyncJobFailing = "SYNC_JOB_FAILING";
    public const string HighErrorRate = "HIGH_ERROR_RATE";
}

public static class DashboardSeverities
{
    public const string Critical = "critical";
    public const string Warning = "warning";
}
