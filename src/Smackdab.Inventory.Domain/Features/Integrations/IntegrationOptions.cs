namespace Smackdab.Inventory.Domain.Features.Integrations;

/// <summary>Settings of the integrations registry and the connectors (section "Integrations").</summary>
public sealed class IntegrationOptions
{
    public const string Section = "Integrations";

    /// <summary>
    /// Base64 of 32 random bytes: the AES-256-GCM key the external systems' credentials are encrypted with. Required outside
    /// Development and Testing (scripts/run.sh generates one into .data/); all instances must share it.
    /// </summary>
    public string CredentialKey { get; set; } = "";

    /// <summary>Largest response body kept as the "last good response" a read falls back to.</summary>
    public int MaxCachedResponseBytes { get; set; } = 256 * 1024;

    /// <summary>How long a connector waits for a TCP connection; the integration's timeout_ms bounds the whole attempt.</summary>
    public int ConnectTimeoutSeconds { get; set; } = 10;

    /// <summary>Largest response body a connector reads from an external system.</summary>
    public int MaxResponseBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>How often the sync worker looks for resumed syncs to run.</summary>
    public int SyncPollIntervalMilliseconds { get; set; } = 2000;

    /// <summary>Ledger rows pushed per pass of a sync job.</summary>
    public int SyncBatchSize { get; set; } = 100;

    /// <summary>How long an instance holds a sync job it is running.</summary>
    public int SyncLeaseSeconds { get; set; } = 120;

    /// <summary>How long a sync job whose push failed waits before its next pass.</summary>
    public int SyncRetrySeconds { get; set; } = 30;

    /// <summary>Run the push worker in this instance.</summary>
    public bool PushWorkerEnabled { get; set; } = true;

    /// <summary>How often each instance looks for integrations with events to push (new events also wake it at once).</summary>
    public int PushPollIntervalMilliseconds { get; set; } = 1000;

    /// <summary>Events read per pass of an integration's push.</summary>
    public int PushBatchSize { get; set; } = 100;

    /// <summary>Shortest lease on a push; each event extends it to cover the integration's whole retry schedule.</summary>
    public int PushLeaseSeconds { get; set; } = 60;

    /// <summary>Wait after a failed push before the next attempt; doubles with each failure in a row, up to PushMaxRetrySeconds.</summary>
    public int PushRetrySeconds { get; set; } = 5;

    public int PushMaxRetrySeconds { get; set; } = 300;

    /// <summary>How long an instance owns a saga it runs without saving progress; after that another instance resumes it.</summary>
    public int SagaLeaseSeconds { get; set; } = 60;

    /// <summary>How often each instance looks for sagas left unfinished by a stopped instance.</summary>
    public int SagaRecoveryIntervalMilliseconds { get; set; } = 5000;
}
