using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.ApiKeys;

/// <summary>Makes and hashes API key secrets. Secrets carry 160 bits of randomness, so an unsalted SHA-256 suffices.</summary>
public static class ApiKeySecrets
{
    public const string LivePrefix = "sk_live_";

    public static string NewSecret() => LivePrefix + PublicId.RandomToken(32);

    public static string Hash(string secret) => SecretHashing.Sha256Hex(secret);

    /// <summary>The part of a secret safe to display and log.</summary>
    public static string DisplayPrefix(string secret) => secret.Length <= 12 ? "sk_…" : secret[..12];

    public static bool FixedTimeEquals(string a, string b) => SecretHashing.FixedTimeEquals(a, b);
}
