using System.ComponentModel.DataAnnotations;

namespace Smackdab.Inventory.Api.Observability;

/// <summary>Section "Observability": OpenTelemetry metrics and tracing, the Prometheus endpoint, and the dashboard's request records.</summary>
public sealed class ObservabilityOptions
{
    public const string Section = "Observability";

    /// <summary>Serve the Prometheus text exposition at <see cref="MetricsPath"/>.</summary>
    public bool MetricsEnabled { get; set; } = true;

    [Required]
    [RegularExpression("^/[A-Za-z0-9/_-]*$")]
    public string MetricsPath { get; set; } = "/metrics";

    /// <summary>
    /// False (default): the scrape endpoint is anonymous, like /health — expose it only on the internal network.
    /// True: it needs the platform key in X-API-Key (401/403 envelope otherwise).
    /// </summary>
    public bool MetricsRequirePlatformKey { get; set; }

    /// <summary>
    /// Most series (label combinations) kept per instrument. Past it, new combinations are folded into one series labelled
    /// otel_metric_overflow="true". Organizations x routes x clients can be many: each series costs a few hundred bytes.
    /// </summary>
    [Range(2000, 10_000_000)]
    public int MetricsCardinalityLimit { get; set; } = 20_000;

    /// <summary>Create spans for requests, outbound HTTP calls and the "Smackdab.Inventory*" activity sources (W3C traceparent propagation).</summary>
    public bool TracingEnabled { get; set; } = true;

    /// <summary>Share of new traces sampled (a sampled parent's decision is always followed).</summary>
    [Range(0.0, 1.0)]
    public double TraceSampleRatio { get; set; } = 1.0;

    /// <summary>Request records waiting for the background writer; when full, records are dropped (counted), never waited for.</summary>
    [Range(1, 1_000_000)]
    public int RequestQueueCapacity { get; set; } = 10_000;

    /// <summary>Most request records aggregated into one database write.</summary>
    [Range(1, 5000)]
    public int RequestBatchSize { get; set; } = 1000;

    /// <summary>How long per-minute request rollups are kept (the dashboard reads the last 24 hours).</summary>
    [Range(24, 24 * 366)]
    public int RollupRetentionHours { get; set; } = 168;

    [Range(1, 86_400)]
    public int RollupPruneIntervalSeconds { get; set; } = 3600;

    /// <summary>
    /// How often the gauges read from PostgreSQL (breaker states, pending deliveries, the sync figures) are refreshed while
    /// someone scrapes them; without scrapes the database is not read.
    /// </summary>
    [Range(1, 3600)]
    public int OperationsMetricsRefreshSeconds { get; set; } = 15;

    /// <summary>How often the data-consistency gauge recomputes every balance from the ledger (a full pass over the ledger).</summary>
    [Range(1, 86_400)]
    public int DataConsistencyCheckSeconds { get; set; } = 300;

    /// <summary>
    /// OTLP endpoint traces are exported to (e.g. <c>http://otel-collector:4318/v1/traces</c>), or empty: no exporter (the
    /// default). Needs <see cref="TracingEnabled"/>.
    /// </summary>
    [Url]
    public string? OtlpTracesEndpoint { get; set; }

    /// <summary><c>http/protobuf</c> (default) or <c>grpc</c> (then the endpoint is the collector's gRPC port, e.g. :4317).</summary>
    [RegularExpression("^(http/protobuf|grpc)$")]
    public string OtlpProtocol { get; set; } = "http/protobuf";

    /// <summary>How long finished spans wait in the batch before they are sent.</summary>
    [Range(100, 60_000)]
    public int OtlpExportDelayMilliseconds { get; set; } = 5000;
}
