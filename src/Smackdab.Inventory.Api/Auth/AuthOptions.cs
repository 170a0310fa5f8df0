using System.ComponentModel.DataAnnotations;

namespace Smackdab.Inventory.Api.Auth;

/// <summary>Section "Jwt": the access tokens this API issues (RS256) and accepts, and their signing keys.</summary>
public sealed class JwtOptions
{
    public const string Section = "Jwt";

    /// <summary>The <c>iss</c> of issued tokens; tokens with another issuer are refused.</summary>
    [Required]
    public string Issuer { get; set; } = "https://api.inventory.smackdab.com";

    /// <summary>The <c>aud</c> of issued tokens; tokens for another audience are refused.</summary>
    [Required]
    public string Audience { get; set; } = "smackdab-inventory-api";

    [Range(60, 86400)]
    public int AccessTokenLifetimeSeconds { get; set; } = 3600;

    /// <summary>Tolerance for clock differences when checking <c>exp</c> and <c>nbf</c>.</summary>
    [Range(0, 300)]
    public int ClockSkewSeconds { get; set; } = 30;

    /// <summary>The current signing key is replaced when it is this old. Must exceed the access token lifetime.</summary>
    [Range(1, 8760)]
    public int KeyRotationHours { get; set; } = 720;

    /// <summary>How often the background service checks whether the key is due for rotation.</summary>
    [Range(1, 86400)]
    public int KeyRotationCheckSeconds { get; set; } = 300;

    [Range(2048, 4096)]
    public int KeySizeBits { get; set; } = 2048;

    /// <summary>How long an instance keeps the published keys in memory before reading them again.</summary>
    [Range(1, 3600)]
    public int KeyCacheSeconds { get; set; } = 60;

    /// <summary>
    /// AES-256 key (base64 of 32 bytes) that encrypts signing keys' private halves in the database. Empty: a built-in
    /// development key, with a warning at start — set it in production (e.g. <c>openssl rand -base64 32</c>).
    /// </summary>
    public string? KeyEncryptionKey { get; set; }

    public TimeSpan AccessTokenLifetime => TimeSpan.FromSeconds(AccessTokenLifetimeSeconds);

    public TimeSpan ClockSkew => TimeSpan.FromSeconds(ClockSkewSeconds);

    public TimeSpan KeyRotationPeriod => TimeSpan.FromHours(KeyRotationHours);
}

/// <summary>Section "AuthFailureLimit": failed authentication attempts allowed per client IP and per key prefix.</summary>
public sealed class AuthFailureLimitOptions
{
    public const string Section = "AuthFailureLimit";

    /// <summary>Failures allowed per window; the next attempt (even with a good credential) gets 429 until the window ends.</summary>
    [Range(1, 10_000_000)]
    public int PermitLimit { get; set; } = 20;

    [Range(1, 86400)]
    public int WindowSeconds { get; set; } = 60;

    /// <summary>Upper bound on the number of IPs and prefixes tracked in memory.</summary>
    [Range(100, 10_000_000)]
    public int MaxTrackedClients { get; set; } = 100_000;

    public TimeSpan Window => TimeSpan.FromSeconds(WindowSeconds);
}
