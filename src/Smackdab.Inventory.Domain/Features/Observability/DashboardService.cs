using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Integrations;
using Smackdab.Inventory.Domain.Features.Integrations.Sync;
using Smackdab.Inventory.Domain.Features.Sync.Conflicts;
using Smackdab.Inventory.Domain.Features.Sync.Exports;
using Smackdab.Inventory.Domain.Features.Webhooks;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Domain.Features.Observability;

/// <summary>
/// The "API Integration Dashboard" of the caller's organization over the last 24 hours, read from durable data only: the
/// per-minute request rollups, connector calls, breaker states, webhook deliveries, events and sync jobs. Any instance
/// answers the same.
/// </summary>
public sealed class DashboardService(InventoryDbContext db, OperationsFigures figures, ITenantContext tenant, IOptions<DashboardOptions> options, TimeProvider clock)
{
    public const int WindowHours = 24;
    private const int MinCallsForErrorRateWarning = 20;

    public async Task<DashboardResponse> GetAsync(CancellationToken ct)
    {
        var organizationId = tenant.OrganizationId ?? throw new InvalidOperationException("The dashboard needs an organization.");
        var settings = options.Value;
        var now = clock.GetUtcNow().UtcDateTime;
        var since = now.AddHours(-WindowHours);
        var sinceMinute = Floor(since, TimeSpan.TicksPerMinute);

        var requests = await db.ApiRequestRollups.AsNoTracking()
            .Where(r => r.Minute >= sinceMinute)
            .GroupBy(r => new { r.Route, r.Method, r.StatusCode, r.ErrorCode })
            .Select(g => new RequestGroup(g.Key.Route, g.Key.Method, g.Key.StatusCode, g.Key.ErrorCode, g.Sum(r => r.RequestCount), g.Sum(r => r.DurationMsSum), g.Max(r => r.DurationMsMax)))
            .ToListAsync(ct);
        var buckets = await LatencyBucketsAsync(organizationId, sinceMinute, ct);
        var minutes = await db.ApiRequestRollups.AsNoTracking()
            .Where(r => r.Minute >= sinceMinute)
            .GroupBy(r => r.Minute)
            .Select(g => new MinuteGroup(g.Key, g.Sum(r => r.RequestCount), g.Where(r => r.StatusCode >= 400).Sum(r => r.RequestCount), g.Sum(r => r.DurationMsSum)))
            .ToListAsync(ct);

        var integrations = await IntegrationsAsync(organizationId, since, ct);
        var webhooks = await WebhooksAsync(since, ct);
        var sync = await SyncAsync(organizationId, since, ct);
        var failingJobs = await db.SyncJobs.AsNoTracking()
            .Where(j => j.Status == SyncJobStatuses.Processing && (j.FailedPasses > 0 || j.LastError != null))
            .OrderByDescending(j => j.UpdatedAt).Take(20)
            .Select(j => new { j.Id, j.IntegrationId, j.LastError, j.FailedPasses })
            .ToListAsync(ct);

        var system = SystemHealthOf(requests, buckets, integrations.Items);
        var issues = new List<CriticalIssue>();
        foreach (var integration in integrations.Items.Where(i => i.Status == IntegrationHealth.CircuitOpen))
        {
            issues.Add(new CriticalIssue
            {
                Severity = DashboardSeverities.Critical,
                Kind = DashboardIssueKinds.CircuitBreakerOpen,
                Message = $"{integration.Name}: circuit breaker open ({integration.Issue ?? "failures"})",
                IntegrationId = integration.Id,
                ActionRequired = integration.ActionRequired,
            });
        }

        if (webhooks.FailedDeliveries24h > 0)
        {
            issues.Add(new CriticalIssue
            {
                Severity = DashboardSeverities.Critical,
                Kind = DashboardIssueKinds.WebhookDeadLetters,
                Message = webhooks.FailedDeliveries24h == 1
                    ? "1 webhook delivery was dead-lettered in the last 24 hours"
                    : $"{webhooks.FailedDeliveries24h} webhook deliveries were dead-lettered in the last 24 hours",
                ActionRequired = "Fix the receiving endpoint, then redeliver (POST /v1/webhooks/{id}/deliveries/{delivery_id}/redeliver) or replay",
            });
        }

        foreach (var job in failingJobs)
        {
            var name = integrations.Names.GetValueOrDefault(job.IntegrationId, job.IntegrationId);
            issues.Add(new CriticalIssue
            {
                Severity = DashboardSeverities.Warning,
                Kind = DashboardIssueKinds.SyncJobFailing,
                Message = $"{name}: sync job {job.Id} is failing ({job.LastError ?? $"{job.FailedPasses} failed passes"})",
                IntegrationId = job.IntegrationId,
                ActionRequired = "The job retries by itself; fix the external system or its credentials",
            });
        }

        foreach (var integration in integrations.Items.Where(i => i.Status == IntegrationHealth.Degraded))
        {
            issues.Add(new CriticalIssue
            {
                Severity = DashboardSeverities.Warning,
                Kind = DashboardIssueKinds.IntegrationDegraded,
                Message = $"{integration.Name}: degraded ({integration.Issue})",
                IntegrationId = integration.Id,
                ActionRequired = integration.ActionRequired,
            });
        }

        if (system.TotalApiCalls >= MinCallsForErrorRateWarning && system.ErrorRate > settings.ErrorRateWarningPercent)
        {
            var top = requests.Where(r => r.StatusCode >= 400).GroupBy(r => r.ErrorCode).OrderByDescending(g => g.Sum(r => r.Count)).First().Key;
            issues.Add(new CriticalIssue
            {
                Severity = DashboardSeverities.Warning,
                Kind = DashboardIssueKinds.HighErrorRate,
                Message = $"API error rate {system.ErrorRate:0.0}% in the last 24 hours (mostly {top})",
                ActionRequired = "See top_errors and the failing endpoints",
            });
        }

        return new DashboardResponse
        {
            GeneratedAt = now,
            Window = new DashboardWindow { From = since, To = now, Hours = WindowHours },
            SystemHealth = system,
            TopErrors = TopErrors(requests, settings.TopErrors),
            Endpoints = Endpoints(requests, buckets, settings.TopEndpoints),
            Timeline = Timeline(minutes, Floor(now, TimeSpan.TicksPerHour), TimeSpan.FromHours(1), WindowHours),
            RecentTimeline = Timeline(minutes, Floor(now, TimeSpan.TicksPerMinute), TimeSpan.FromMinutes(1), 60),
            Integrations = integrations.Items.Take(settings.MaxIntegrations).ToList(),
            IntegrationsTotal = integrations.Items.Count,
            WebhookPerformance = webhooks,
            InventorySyncMetrics = sync with { SyncJobsFailing = failingJobs.Count },
            CriticalIssues = issues,
        };
    }

    private static SystemHealth SystemHealthOf(List<RequestGroup> requests, List<BucketGroup> buckets, List<IntegrationStatus> integrations)
    {
        var total = requests.Sum(r => r.Count);
        var errors = requests.Where(r => r.StatusCode >= 400).Sum(r => r.Count);
        var counts = SumBuckets(buckets);
        var max = requests.Count == 0 ? 0 : requests.Max(r => r.MaxMs);
        var open = integrations.Where(i => i.CircuitState == CircuitStates.Open).Select(i => i.Name).ToList();
        return new SystemHealth
        {
            TotalApiCalls = total,
            SuccessfulCalls = total - errors,
            ErrorCount = errors,
            SuccessRate = Percent(total - errors, total),
            ErrorRate = Percent(errors, total),
            AverageResponseTimeMs = total == 0 ? null : Math.Round(requests.Sum(r => r.DurationMs) / total, 1),
            P95ResponseTimeMs = LatencyBuckets.Percentile(counts, 0.95, max),
            P99ResponseTimeMs = LatencyBuckets.Percentile(counts, 0.99, max),
            CircuitBreakersOpen = open.Count,
            CircuitBreakerStatus = open.Count == 0 ? "All systems healthy" : $"Circuit breaker open: {string.Join(", ", open)}",
        };
    }

    private static List<ErrorShare> TopErrors(List<RequestGroup> requests, int top)
    {
        var errors = requests.Where(r => r.StatusCode >= 400).ToList();
        var total = errors.Sum(r => r.Count);
        return errors
            .GroupBy(r => r.ErrorCode)
            .Select(g => (Code: g.Key, Count: g.Sum(r => r.Count)))
            .OrderByDescending(e => e.Count).ThenBy(e => e.Code, StringComparer.Ordinal)
            .Take(top)
            .Select(e => new ErrorShare(e.Code, e.Count, Percent(e.Count, total) ?? 0))
            .ToList();
    }

    private static List<EndpointPerformance> Endpoints(List<RequestGroup> requests, List<BucketGroup> buckets, int top) =>
        requests
            .GroupBy(r => (r.Method, r.Route))
            .Select(g =>
            {
                var count = g.Sum(r => r.Count);
                var counts = SumBuckets(buckets.Where(b => b.Method == g.Key.Method && b.Route == g.Key.Route));
                var max = g.Max(r => r.MaxMs);
                return new EndpointPerformance
                {
                    Method = g.Key.Method,
                    Route = g.Key.Route,
                    RequestVolume = count,
                    SuccessRate = Percent(g.Where(r => r.StatusCode < 400).Sum(r => r.Count), count) ?? 0,
                    AverageResponseTimeMs = Math.Round(g.Sum(r => r.DurationMs) / count, 1),
                    P95ResponseTimeMs = LatencyBuckets.Percentile(counts, 0.95, max),
                    P99ResponseTimeMs = LatencyBuckets.Percentile(counts, 0.99, max),
                };
            })
            .OrderByDescending(e => e.RequestVolume).ThenBy(e => e.Route, StringComparer.Ordinal).ThenBy(e => e.Method, StringComparer.Ordinal)
            .Take(top)
            .ToList();

    private static List<TimelinePoint> Timeline(List<MinuteGroup> minutes, DateTime last, TimeSpan step, int points)
    {
        var first = last - (step * (points - 1));
        var byPoint = minutes
            .Where(m => m.Minute >= first)
            .GroupBy(m => Floor(m.Minute, step.Ticks))
            .ToDictionary(g => g.Key, g => (Calls: g.Sum(m => m.Count), Errors: g.Sum(m => m.Errors), Duration: g.Sum(m => m.DurationMs)));
        return Enumerable.Range(0, points).Select(i =>
        {
            var at = first + (step * i);
            var (calls, errors, duration) = byPoint.GetValueOrDefault(at);
            return new TimelinePoint { At = at, Calls = calls, Errors = errors, AverageResponseTimeMs = calls == 0 ? null : Math.Round(duration / calls, 1) };
        }).ToList();
    }

    private async Task<(List<IntegrationStatus> Items, Dictionary<string, string> Names)> IntegrationsAsync(string organizationId, DateTime since, CancellationToken ct)
    {
        var settings = options.Value;
        var integrations = await db.Integrations.AsNoTracking()
            .OrderBy(i => i.Name)
            .Select(i => new { i.Id, i.Name, i.Type, i.Provider, i.Status, i.AuthType, i.LastSyncAt, i.LastSuccessfulCallAt })
            .ToListAsync(ct);
        var calls = await db.IntegrationCalls.AsNoTracking()
            .Where(c => c.At >= since)
            .GroupBy(c => c.IntegrationId)
            .Select(g => new { Id = g.Key, Calls = g.Count(), Succeeded = g.Count(c => c.Succeeded), AverageMs = g.Average(c => (double)c.DurationMs) })
            .ToDictionaryAsync(c => c.Id, ct);
        var errors = await db.IntegrationCalls.AsNoTracking()
            .Where(c => c.At >= since && !c.Succeeded && c.ErrorClass != null)
            .GroupBy(c => new { c.IntegrationId, c.ErrorClass })
            .Select(g => new { g.Key.IntegrationId, g.Key.ErrorClass, Count = g.Count() })
            .ToListAsync(ct);
        var topError = errors.GroupBy(e => e.IntegrationId)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(e => e.Count).ThenBy(e => e.ErrorClass, StringComparer.Ordinal).First().ErrorClass);
        // Breaker rows are not tenant-filtered (reached by integration id): filter by the caller's organization here.
        var breakers = await db.CircuitBreakerStates.AsNoTracking()
            .Where(b => b.OrganizationId == organizationId)
            .ToDictionaryAsync(b => b.IntegrationId, ct);

        var items = integrations.Select(i =>
        {
            var stats = calls.GetValueOrDefault(i.Id);
            var breaker = breakers.GetValueOrDefault(i.Id);
            var state = breaker?.State ?? CircuitStates.Closed;
            var successRate = stats is null ? (double?)null : Percent(stats.Succeeded, stats.Calls);
            var averageMs = stats is null ? (double?)null : Math.Round(stats.AverageMs, 1);
            var top = topError.GetValueOrDefault(i.Id);
            var failureClass = breaker?.LastFailureClass ?? top;
            string status;
            string? issue = null;
            string? action = null;
            if (i.Status == IntegrationStatuses.Disabled)
            {
                status = IntegrationHealth.Disabled;
            }
            else if (state == CircuitStates.Open)
            {
                status = IntegrationHealth.CircuitOpen;
                issue = Describe(failureClass);
                action = failureClass == ConnectorErrorClasses.AuthenticationFailed
                    ? (i.AuthType == IntegrationAuthTypes.OAuth2 ? "Refresh OAuth tokens, then reset the circuit breaker" : "Update the integration's credentials, then reset the circuit breaker")
                    : "Check the external system, then reset the circuit breaker";
            }
            else if (state == CircuitStates.HalfOpen)
            {
                status = IntegrationHealth.Degraded;
                issue = "Recovering: test calls decide whether the circuit breaker closes";
            }
            else if (successRate < settings.DegradedSuccessRatePercent)
            {
                status = IntegrationHealth.Degraded;
                issue = Describe(top);
            }
            else if (averageMs > settings.DegradedResponseTimeMs)
            {
                status = IntegrationHealth.Degraded;
                issue = "Increased response times";
            }
            else
            {
                status = IntegrationHealth.Healthy;
            }

            return new IntegrationStatus
            {
                Id = i.Id,
                Name = i.Name,
                Type = i.Type,
                Provider = i.Provider,
                Status = status,
                CircuitState = state,
                LastSync = i.LastSyncAt,
                LastSuccessfulCall = i.LastSuccessfulCallAt,
                SuccessRate = successRate,
                AverageResponseTimeMs = averageMs,
                DailyVolume = stats?.Calls ?? 0,
                ErrorCount = stats is null ? 0 : stats.Calls - stats.Succeeded,
                TopErrorClass = top,
                Issue = issue,
                ActionRequired = action,
            };
        })
        .OrderBy(i => IntegrationHealth.Rank(i.Status)).ThenBy(i => i.Name, StringComparer.Ordinal)
        .ToList();
        return (items, integrations.ToDictionary(i => i.Id, i => i.Name));
    }

    private async Task<WebhookPerformance> WebhooksAsync(DateTime since, CancellationToken ct)
    {
        const string pending = WebhookDeliveryStatuses.Pending;
        // The filter only narrows the scan (pending, or finished since); the counts apply their own conditions.
        var counts = await WebhookDeliveryCounts.CountAsync(
            db.WebhookDeliveries.Where(d => d.Status == pending || d.DeliveredAt >= since || d.DeadLetteredAt >= since), since, ct);
        var averageMs = await db.WebhookDeliveryAttempts.AsNoTracking()
            .Where(a => a.Succeeded && a.AttemptedAt >= since)
            .AverageAsync(a => (double?)a.LatencyMs, ct);
        var deliveredCount = counts.Delivered;
        var deadCount = counts.Dead;
        return new WebhookPerformance
        {
            DeliverySuccessRate = Percent(deliveredCount, deliveredCount + deadCount),
            AverageDeliveryTimeMs = averageMs is { } avg ? Math.Round(avg, 1) : null,
            DeliveredDeliveries24h = deliveredCount,
            FailedDeliveries24h = deadCount,
            RetrySuccessRate = Percent(counts.RetriedDelivered, counts.RetriedDelivered + counts.RetriedDead),
            PendingDeliveries = counts.Pending,
        };
    }

    private async Task<InventorySyncMetrics> SyncAsync(string organizationId, DateTime since, CancellationToken ct)
    {
        var events = await db.Events.AsNoTracking().CountAsync(e => e.OccurredAt >= since, ct);
        var exports = await db.ExportJobs.AsNoTracking().CountAsync(e => e.Status == ExportStatuses.Completed && e.CompletedAt >= since, ct);
        var jobs = await db.SyncJobs.AsNoTracking()
            .Where(j => j.Status == SyncJobStatuses.Completed && j.CompletedAt >= since)
            .GroupBy(j => 1)
            .Select(g => new { Count = g.Count(), Records = g.Sum(j => (long)j.RecordsSynced) })
            .FirstOrDefaultAsync(ct);
        var conflicts = await db.SyncConflicts.AsNoTracking().CountAsync(c => c.Status == ConflictStatuses.Open, ct);
        var polls = await figures.PollingFallbacksAsync(organizationId, since, ct);
        var consistency = await figures.DataConsistencyAsync(organizationId, ct);
        return new InventorySyncMetrics
        {
            RealTimeUpdates = events,
            PollingFallbacks = polls.GetValueOrDefault(organizationId),
            DataConsistency = consistency.GetValueOrDefault(organizationId)?.Percent,
            FullSyncs = exports,
            SyncJobsCompleted24h = jobs?.Count ?? 0,
            RecordsSynced24h = jobs?.Records ?? 0,
            OpenConflicts = conflicts,
        };
    }

    /// <summary>Bucket counts summed per route in SQL (element-wise over the rollups' arrays).</summary>
    private async Task<List<BucketGroup>> LatencyBucketsAsync(string organizationId, DateTime sinceMinute, CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var opened = connection.State != System.Data.ConnectionState.Open;
        if (opened)
        {
            await connection.OpenAsync(ct);
        }

        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText =
                """
                SELECT r.route, r.method, (u.i - 1)::int, sum(u.c)::bigint
                FROM api_request_rollups r, unnest(r.latency_buckets) WITH ORDINALITY AS u(c, i)
                WHERE r.organization_id = @organization AND r.minute >= @since
                GROUP BY r.route, r.method, u.i
                """;
            command.Parameters.AddWithValue("organization", organizationId);
            command.Parameters.AddWithValue("since", sinceMinute);
            var groups = new List<BucketGroup>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                groups.Add(new BucketGroup(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt64(3)));
            }

            return groups;
        }
        finally
        {
            if (opened)
            {
                await connection.CloseAsync();
            }
        }
    }

    private static long[] SumBuckets(IEnumerable<BucketGroup> groups)
    {
        var counts = new long[LatencyBuckets.Count];
        foreach (var group in groups.Where(g => g.Index >= 0 && g.Index < counts.Length))
        {
            counts[group.Index] += group.Count;
        }

        return counts;
    }

    private static string Describe(string? errorClass) => errorClass switch
    {
        null => "Failures",
        ConnectorErrorClasses.AuthenticationFailed => "Authentication failures",
        ConnectorErrorClasses.Timeout => "Timeouts",
        ConnectorErrorClasses.RateLimitExceeded => "Rate limited by the external system",
        ConnectorErrorClasses.NetworkError => "Network errors",
        ConnectorErrorClasses.InternalError => "Server errors",
        _ => errorClass,
    };

    private static double? Percent(long part, long whole) => whole == 0 ? null : Math.Round(100.0 * part / whole, 1);

    private static DateTime Floor(DateTime at, long ticks) => new(at.Ticks - (at.Ticks % ticks), DateTimeKind.Utc);

    private sealed record RequestGroup(string Route, string Method, int StatusCode, string ErrorCode, long Count, double DurationMs, double MaxMs);

    private sealed record MinuteGroup(DateTime Minute, long Count, long Errors, double DurationMs);

    private sealed record BucketGroup(string Route, string Method, int Index, long Count);
}

public static class IntegrationHealth
{
    public const string Healthy = "healthy";
    public const string Degraded = "degraded";
    public const string CircuitOpen = "circuit_open";
    public const string Disabled = "disabled";

    public static int Rank(string status) => status switch
    {
        CircuitOpen => 0,
        Degraded => 1,
        Healthy => 2,
        _ => 3,
    };
}
