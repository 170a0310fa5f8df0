using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Smackdab.Inventory.Domain.Common;

/// <summary>
/// The API's own meter and activity source, and the names of its instruments and tags, in one place. Other meters or
/// sources named "Smackdab.Inventory.…" (caches, connectors, webhooks) are exported too: registration is by
/// <see cref="NamePattern"/>.
/// </summary>
public static class InventoryTelemetry
{
    public const string Name = "Smackdab.Inventory";

    /// <summary>The wildcard the OpenTelemetry meter and tracer providers listen to.</summary>
    public const string NamePattern = "Smackdab.Inventory*";

    public static readonly Meter Meter = new(Name);

    public static readonly ActivitySource ActivitySource = new(Name);

    /// <summary>Instrument names (OpenTelemetry style; the Prometheus exporter turns dots into underscores and appends the unit).</summary>
    public static class Instruments
    {
        /// <summary>Counter of handled API requests → <c>smackdab_api_requests_total</c>.</summary>
        public const string Requests = "smackdab.api.requests";

        /// <summary>Histogram of API request durations in seconds → <c>smackdab_api_request_duration_seconds</c>.</summary>
        public const string RequestDuration = "smackdab.api.request.duration";

        /// <summary>Counter of error responses by error code → <c>smackdab_api_errors_total</c>.</summary>
        public const string Errors = "smackdab.api.errors";

        /// <summary>Request records dropped because the dashboard's write queue was full.</summary>
        public const string RequestRecordsDropped = "smackdab.api.request_records.dropped";

        /// <summary>Gauges over the last 24 hours, read from PostgreSQL (the same on every instance).</summary>
        public const string IntegrationCalls24h = "smackdab.integration.calls_24h";

        public const string IntegrationSuccessRatio24h = "smackdab.integration.success_ratio_24h";

        public const string IntegrationResponseTime24h = "smackdab.integration.response_time_24h";

        /// <summary>0 = CLOSED, 1 = HALF_OPEN, 2 = OPEN.</summary>
        public const string IntegrationCircuitState = "smackdab.integration.circuit_state";

        public const string WebhookDeliveries24h = "smackdab.webhook.deliveries_24h";

        public const string WebhookDeliveryTime24h = "smackdab.webhook.delivery_time_24h";

        public const string SyncEvents24h = "smackdab.sync.events_24h";

        public const string SyncJobs24h = "smackdab.sync.jobs_24h";
    }

    /// <summary>Tag (label) names.</summary>
    public static class Tags
    {
        public const string Route = "http.route";
        public const string Method = "http.request.method";
        public const string StatusCode = "http.response.status_code";
        public const string Organization = "organization";
        public const string Client = "client";
        public const string Integration = "integration";
        public const string IntegrationType = "integration.type";
        public const string Outcome = "outcome";
        public const string ErrorCode = "error.code";
        public const string Status = "status";
    }

    public static class Outcomes
    {
        public const string Success = "success";
        public const string Error = "error";
    }
}
