using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.OAuth;

/// <summary>
/// Client secrets, refresh tokens and authorization codes: 200+ bits of randomness each, so an unsalted SHA-256 is a sufficient
/// way to store them. Comparisons of secrets are constant-time.
/// </summary>
public static class OAuthSecrets
{
    public const string ClientIdPrefix = "client";
    public const string ClientSecretPrefix = "cs_live_";
    public const string RefreshTokenPrefix = "rt_";
    public const string CodePrefix = "ac_";

    public static string NewClientId() => PublicId.New(ClientIdPrefix);

    public static string NewClientSecret() => ClientSecretPrefix + PublicId.RandomToken(48);

    public static string NewRefreshToken() => RefreshTokenPrefix + PublicId.RandomToken(48);

    public static string NewCode() => CodePrefix + PublicId.RandomToken(48);

    public static string NewGrantId() => "grant_" + PublicId.RandomToken(20);

    public static string Hash(string secret) => SecretHashing.Sha256Hex(secret);

    /// <summary>Compares a presented secret with a stored hash in constant time.</summary>
    public static bool Matches(string presented, string storedHash) => SecretHashing.FixedTimeEquals(Hash(presented), storedHash);

    /// <summary>The part of a client secret safe to display and log.</summary>
    public static string DisplayPrefix(string secret) => secret.Length <= 12 ? "cs_…" : secret[..12];
}

/// <summary>Proof Key for Code Exchange (RFC 7636), S256 only.</summary>
public static class Pkce
{
    public const string S256 = "S256";

    /// <summary>43 to 128 characters of [A-Za-z0-9-._~], the format RFC 7636 gives verifiers and S256 challenges.</summary>
    public static bool IsWellFormed(string? value) =>
        value is { Length: >= 43 and <= 128 } && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~');

    public static string Challenge(string verifier) =>
        Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    public static bool Verify(string verifier, string challenge) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Challenge(verifier)), Encoding.ASCII.GetBytes(challenge));
}
