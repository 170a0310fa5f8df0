using System.ComponentModel.DataAnnotations;

namespace Smackdab.Inventory.Domain.Features.Webhooks;

/// <summary>Webhook delivery settings (section <c>Webhooks</c>), listed in docs/configuration.md.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    // Webhooks:AllowPrivateTargets is read by OutboundOptions: one switch for every outbound call.

    /// <summary>
    /// Base64 of 32 random bytes: the AES-256-GCM key that encrypts signing secrets at rest. Empty: a built-in development
    /// key (a warning is logged at start); set one per deployment.
    /// </summary>
    public string SecretEncryptionKey { get; set; } = "";

    /// <summary>Run the delivery worker in this instance.</summary>
    public bool DeliveryEnabled { get; set; } = true;

    [Range(1, 120)]
    public int AttemptTimeoutSeconds { get; set; } = 10;

    [Range(1, 60)]
    public int ConnectTimeoutSeconds { get; set; } = 5;

    /// <summary>First retry delay; exponential doubles it per attempt, linear adds it, fixed repeats it (each ±20% jitter).</summary>
    [Range(1, 86400)]
    public int RetryBaseDelaySeconds { get; set; } = 30;

    [Range(1, 604800)]
    public int RetryMaxDelaySeconds { get; set; } = 21600;

    [Range(1, 50)]
    public int DefaultMaxAttempts { get; set; } = 5;

    [Range(1, 50)]
    public int MaxAttemptsLimit { get; set; } = 20;

    [Range(10, 60000)]
    public int PollIntervalMilliseconds { get; set; } = 1000;

    [Range(1, 1000)]
    public int BatchSize { get; set; } = 50;

    [Range(1, 256)]
    public int MaxConcurrentDeliveries { get; set; } = 16;

    /// <summary>How long a claimed delivery stays with the instance that claimed it if that instance dies mid-attempt.</summary>
    [Range(5, 3600)]
    public int LeaseSeconds { get; set; } = 60;

    [Range(0.01, 1.0)]
    public double BreakerFailureRatio { get; set; } = 0.5;

    [Range(2, 10000)]
    public int BreakerMinimumThroughput { get; set; } = 10;

    [Range(1, 3600)]
    public int BreakerSamplingSeconds { get; set; } = 60;

    [Range(1, 3600)]
    public int BreakerBreakSeconds { get; set; } = 60;

    /// <summary>After a rotation the previous secret keeps signing for this long unless the request names its own overlap.</summary>
    [Range(0, 720)]
    public int DefaultRotationOverlapHours { get; set; } = 24;

    [Range(1, 100000)]
    public int MaxSubscriptionsPerOrganization { get; set; } = 100;

    /// <summary>Delivered and dead-lettered deliveries (and their attempt log) are deleted this many days after they were created.</summary>
    [Range(1, 3650)]
    public int DeliveryRetentionDays { get; set; } = 30;
}
