using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Integrations;

namespace Smackdab.Inventory.Domain.Features.Observability;

/// <summary>
/// Instruments of the outbound side on the <see cref="InventoryTelemetry.Meter"/>: connector calls and webhook attempts are
/// counted by the instance that makes them; breaker states, pending deliveries and the spec's <c>inventory_sync_metrics</c>
/// are gauges over durable data, read by a background refresher (see <see cref="OperationsSnapshot"/>) and the same on every
/// instance. Labels are ids (organization, integration, subscription) and closed sets, never URLs, paths or event ids.
/// </summary>
public static class OperationsMetrics
{
    private static readonly Counter<long> IntegrationCalls = InventoryTelemetry.Meter.CreateCounter<long>(
        InventoryTelemetry.Instruments.IntegrationCalls, "{call}", "Connector calls to external systems (each logical call after its retries)");

    private static readonly Counter<long> IntegrationErrors = InventoryTelemetry.Meter.CreateCounter<long>(
        InventoryTelemetry.Instruments.IntegrationErrors, "{call}", "Failed connector calls by error class");

    private static readonly Counter<long> IntegrationAttempts = InventoryTelemetry.Meter.CreateCounter<long>(
        InventoryTelemetry.Instruments.IntegrationAttempts, "{attempt}", "HTTP attempts of connector calls (retries included; tries the open breaker refused are not attempts)");

    private static readonly Histogram<double> IntegrationDuration = InventoryTelemetry.Meter.CreateHistogram(
        InventoryTelemetry.Instruments.IntegrationCallDuration, "s", "Connector call duration, retries and their waits included",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });

    private static readonly Counter<long> WebhookAttempts = InventoryTelemetry.Meter.CreateCounter<long>(
        InventoryTelemetry.Instruments.WebhookAttempts, "{attempt}", "Webhook delivery attempts");

    private static readonly Histogram<double> WebhookDuration = InventoryTelemetry.Meter.CreateHistogram(
        InventoryTelemetry.Instruments.WebhookAttemptDuration, "s", "Webhook attempt duration (until the receiver's answer or the failure)",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });

    private static readonly Counter<long> WebhookDeliveries = InventoryTelemetry.Meter.CreateCounter<long>(
        InventoryTelemetry.Instruments.WebhookDeliveries, "{delivery}", "Webhook deliveries finished: delivered, or dead-lettered after the last attempt");

    private static readonly ConcurrentDictionary<object, (long Sequence, OperationsSnapshot Snapshot)> Snapshots = new();
    private static long _published;
    private static long _observations;

    static OperationsMetrics()
    {
        Gauge(InventoryTelemetry.Instruments.IntegrationCircuitState, "Circuit breaker state per integration: 0 CLOSED, 1 HALF_OPEN, 2 OPEN");
        Gauge(InventoryTelemetry.Instruments.WebhookDeliveriesPending, "Webhook deliveries waiting for an attempt");
        Gauge(InventoryTelemetry.Instruments.SyncRealTimeUpdates24h, "Change-feed events written in the last 24 hours (inventory_sync_metrics.real_time_updates)");
        Gauge(InventoryTelemetry.Instruments.SyncPollingFallbacks24h, "Successful polls of GET /v1/inventory/changes in the last 24 hours (inventory_sync_metrics.polling_fallbacks)");
        Gauge(InventoryTelemetry.Instruments.SyncFullSyncs24h, "Exports completed in the last 24 hours (inventory_sync_metrics.full_syncs)");
        Gauge(InventoryTelemetry.Instruments.SyncDataConsistencyRatio, "Share of balances whose on_hand equals the sum of their ledger entries, 0 to 1 (inventory_sync_metrics.data_consistency / 100)");
        Gauge(InventoryTelemetry.Instruments.SyncJobsCompleted24h, "Integration sync jobs completed in the last 24 hours");
        Gauge(InventoryTelemetry.Instruments.SyncJobsFailing, "Integration sync jobs still processing after failed passes");
        Gauge(InventoryTelemetry.Instruments.SyncRecordsSynced24h, "Records synced by jobs completed in the last 24 hours");
        Gauge(InventoryTelemetry.Instruments.SyncOpenConflicts, "Open sync conflicts");
    }

    /// <summary>How often a scraper has read the gauges: refreshers read the database only when someone is looking.</summary>
    public static long Observations => Interlocked.Read(ref _observations);

    /// <summary>One HTTP attempt the breaker admitted.</summary>
    public static void RecordIntegrationAttempt(Integration integration)
    {
        ArgumentNullException.ThrowIfNull(integration);
        IntegrationAttempts.Add(1, new TagList
        {
            { InventoryTelemetry.Tags.Organization, integration.OrganizationId },
            { InventoryTelemetry.Tags.Integration, integration.Id },
        });
    }

    /// <summary>One logical call, after its retries (or refused by the open breaker).</summary>
    public static void RecordIntegrationCall(Integration integration, string? errorClass, int durationMs)
    {
        ArgumentNullException.ThrowIfNull(integration);
        var outcome = errorClass is null ? InventoryTelemetry.Outcomes.Success : InventoryTelemetry.Outcomes.Error;
        IntegrationCalls.Add(1, new TagList
        {
            { InventoryTelemetry.Tags.Organization, integration.OrganizationId },
            { InventoryTelemetry.Tags.Integration, integration.Id },
            { InventoryTelemetry.Tags.IntegrationType, integration.Type },
            { InventoryTelemetry.Tags.Outcome, outcome },
        });
        IntegrationDuration.Record(durationMs / 1000.0, new TagList
        {
            { InventoryTelemetry.Tags.Organization, integration.OrganizationId },
            { InventoryTelemetry.Tags.Integration, integration.Id },
            { InventoryTelemetry.Tags.Outcome, outcome },
        });
        if (errorClass is not null)
        {
            IntegrationErrors.Add(1, new TagList
            {
                { InventoryTelemetry.Tags.Organization, integration.OrganizationId },
                { InventoryTelemetry.Tags.Integration, integration.Id },
                { InventoryTelemetry.Tags.ErrorClass, errorClass },
            });
        }
    }

    /// <summary>One webhook attempt and, when it finished the delivery, its result (delivered or dead-lettered).</summary>
    public static void RecordWebhookAttempt(string organizationId, string subscriptionId, bool succeeded, int latencyMs, string? finishedAs)
    {
        var outcome = succeeded ? InventoryTelemetry.Outcomes.Success : InventoryTelemetry.Outcomes.Error;
        WebhookAttempts.Add(1, new TagList
        {
            { InventoryTelemetry.Tags.Organization, organizationId },
            { InventoryTelemetry.Tags.Subscription, subscriptionId },
            { InventoryTelemetry.Tags.Outcome, outcome },
        });
        WebhookDuration.Record(latencyMs / 1000.0, new TagList
        {
            { InventoryTelemetry.Tags.Organization, organizationId },
            { InventoryTelemetry.Tags.Outcome, outcome },
        });
        if (finishedAs is not null)
        {
            WebhookDeliveries.Add(1, new TagList
            {
                { InventoryTelemetry.Tags.Organization, organizationId },
                { InventoryTelemetry.Tags.Subscription, subscriptionId },
                { InventoryTelemetry.Tags.Result, finishedAs },
            });
        }
    }

    /// <summary>Publishes the gauges read by one refresher (one per host); the freshest value of each series wins.</summary>
    public static void Publish(object owner, OperationsSnapshot snapshot) => Snapshots[owner] = (Interlocked.Increment(ref _published), snapshot);

    public static void Withdraw(object owner) => Snapshots.TryRemove(owner, out _);

    private static void Gauge(string name, string description) =>
        InventoryTelemetry.Meter.CreateObservableGauge(name, () => Observe(name), unit: null, description: description);

    private static List<Measurement<double>> Observe(string name)
    {
        Interlocked.Increment(ref _observations);
        var latest = new Dictionary<string, OperationsSnapshot.Point>(StringComparer.Ordinal);
        foreach (var (_, snapshot) in Snapshots.Values.OrderBy(s => s.Sequence))
        {
            if (snapshot.Gauges.TryGetValue(name, out var points))
            {
                foreach (var point in points)
                {
                    latest[point.Key] = point;
                }
            }
        }

        return latest.Values.Select(p => new Measurement<double>(p.Value, p.Tags)).ToList();
    }
}

/// <summary>Gauge values read at one moment: instrument name → points (value and labels).</summary>
public sealed class OperationsSnapshot(DateTime takenAt)
{
    public DateTime TakenAt { get; } = takenAt;

    public Dictionary<string, List<Point>> Gauges { get; } = new(StringComparer.Ordinal);

    public void Add(string instrument, double value, params (string Name, string Value)[] labels)
    {
        if (!Gauges.TryGetValue(instrument, out var points))
        {
            points = [];
            Gauges[instrument] = points;
        }

        points.Add(new Point(value, labels.Select(l => new KeyValuePair<string, object?>(l.Name, l.Value)).ToArray()));
    }

    public sealed record Point(double Value, KeyValuePair<string, object?>[] Tags)
    {
        public string Key { get; } = string.Join('\u001f', Tags.Select(t => $"{t.Key}={t.Value}"));
    }
}
