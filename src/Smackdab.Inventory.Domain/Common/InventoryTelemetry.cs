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

        /// <summary>Logical connector calls (after retries) → <c>smackdab_integration_calls_total</c>.</summary>
        public const string IntegrationCalls = "smackdab.integration.calls";

        /// <summary>Failed connector calls by error class → <c>smackdab_integration_errors_total</c>.</summary>
        public const string IntegrationErrors = "smackdab.integration.errors";

        /// <summary>HTTP attempts of connector calls, retries included → <c>smackdab_integration_attempts_total</c>.</summary>
        public const string IntegrationAttempts = "smackdab.integration.attempts";

        /// <summary>Connector call durations in seconds, retries included → <c>smackdab_integration_call_duration_seconds</c>.</summary>
        public const string IntegrationCallDuration = "smackdab.integration.call.duration";

        /// <summary>Gauge: 0 = CLOSED, 1 = HALF_OPEN, 2 = OPEN (shared breaker state, read from PostgreSQL).</summary>
        public const string IntegrationCircuitState = "smackdab.integration.circuit_state";

        /// <summary>Webhook HTTP attempts → <c>smackdab_webhook_attempts_total</c>.</summary>
        public const string WebhookAttempts = "smackdab.webhook.attempts";

        /// <summary>Webhook attempt durations in seconds → <c>smackdab_webhook_attempt_duration_seconds</c>.</summary>
        public const string WebhookAttemptDuration = "smackdab.webhook.attempt.duration";

        /// <summary>Deliveries finished, delivered or dead-lettered → <c>smackdab_webhook_deliveries_total</c>.</summary>
        public const string WebhookDeliveries = "smackdab.webhook.deliveries";

        /// <summary>Gauge: deliveries waiting for an attempt.</summary>
        public const string WebhookDeliveriesPending = "smackdab.webhook.deliveries_pending";

        /// <summary>Gauges of the spec's <c>inventory_sync_metrics</c>, per organization, read from PostgreSQL.</summary>
        public const string SyncRealTimeUpdates24h = "smackdab.sync.real_time_updates_24h";

        public const string SyncPollingFallbacks24h = "smackdab.sync.polling_fallbacks_24h";

        public const string SyncFullSyncs24h = "smackdab.sync.full_syncs_24h";

        public const string SyncDataConsistencyRatio = "smackdab.sync.data_consistency_ratio";

        public const string SyncJobsCompleted24h = "smackdab.sync.jobs_completed_24h";

        public const string SyncJobsFailing = "smackdab.sync.jobs_failing";

        public const string SyncRecordsSynced24h = "smackdab.sync.records_synced_24h";

        public const string SyncOpenConflicts = "smackdab.sync.open_conflicts";
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
        public const string ErrorClass = "error.class";
        public const string Subscription = "subscription";
        public const string Result = "result";
    }

    public static class Outcomes
    {
        public const string Success = "success";
        public const string Error = "error";
    }
}
