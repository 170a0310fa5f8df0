using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Smackdab.Inventory.Domain.Features.Webhooks;

/// <summary>Signing secrets in the Standard Webhooks form: <c>whsec_</c> followed by the base64 of the key bytes.</summary>
public static class WebhookSecrets
{
    public const string Prefix = "whsec_";
    private const int KeyBytes = 32;

    public static string New() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeyBytes));

    /// <summary>The HMAC key a secret stands for.</summary>
    public static byte[] KeyOf(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return Convert.FromBase64String(secret.StartsWith(Prefix, StringComparison.Ordinal) ? secret[Prefix.Length..] : secret);
    }

    /// <summary>
    /// A secret the caller chose (the spec's <c>authentication.secret</c>): kept as is when it already is a <c>whsec_</c>
    /// secret, otherwise its UTF-8 bytes become the key.
    /// </summary>
    public static string FromCallerSecret(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return IsWellFormed(secret) ? secret : Prefix + Convert.ToBase64String(Encoding.UTF8.GetBytes(secret));
    }

    public static bool IsWellFormed(string secret)
    {
        if (!secret.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        Span<byte> buffer = stackalloc byte[128];
        return Convert.TryFromBase64String(secret[Prefix.Length..], buffer, out var written) && written >= 16;
    }
}

/// <summary>
/// Encrypts signing secrets at rest with AES-256-GCM under <see cref="WebhookOptions.SecretEncryptionKey"/>. The subscription
/// id is the associated data, so a ciphertext copied onto another subscription does not decrypt.
/// </summary>
public sealed class WebhookSecretProtector
{
    private const string Version = "v1.";
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    // Used only when no key is configured; a warning says so at start.
    private static readonly byte[] DevelopmentKey = SHA256.HashData("smackdab-webhooks-development-key-not-for-production"u8);

    private readonly byte[] _key;

    public WebhookSecretProtector(IOptions<WebhookOptions> options, ILogger<WebhookSecretProtector> logger)
    {
        var configured = options.Value.SecretEncryptionKey;
        if (string.IsNullOrWhiteSpace(configured))
        {
            logger.LogWarning("Webhooks:SecretEncryptionKey is not set: webhook signing secrets are encrypted with the built-in development key. Set it (32 random bytes, base64) in every deployment");
            _key = DevelopmentKey;
        }
        else
        {
            _key = ParseKey(configured);
        }
    }

    /// <summary>Null when <paramref name="value"/> is a usable key; otherwise why not.</summary>
    public static string? ValidateKey(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        Span<byte> buffer = stackalloc byte[64];
        return Convert.TryFromBase64String(value.Trim(), buffer, out var written) && written == 32
            ? null
            : "Webhooks:SecretEncryptionKey must be the base64 of exactly 32 bytes";
    }

    public string Protect(string secret, string subscriptionId)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        var output = new byte[NonceBytes + TagBytes + plain.Length];
        var nonce = output.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(nonce, plain, output.AsSpan(NonceBytes + TagBytes), output.AsSpan(NonceBytes, TagBytes), Encoding.UTF8.GetBytes(subscriptionId));
        return Version + Convert.ToBase64String(output);
    }

    public string Unprotect(string ciphertext, string subscriptionId)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        if (!ciphertext.StartsWith(Version, StringComparison.Ordinal))
        {
            throw new CryptographicException("Unknown webhook secret format");
        }

        var input = Convert.FromBase64String(ciphertext[Version.Length..]);
        var plain = new byte[input.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(_key, TagBytes);
        aes.Decrypt(input.AsSpan(0, NonceBytes), input.AsSpan(NonceBytes + TagBytes), input.AsSpan(NonceBytes, TagBytes), plain, Encoding.UTF8.GetBytes(subscriptionId));
        return Encoding.UTF8.GetString(plain);
    }

    private static byte[] ParseKey(string value) =>
        ValidateKey(value) is { } problem ? throw new InvalidOperationException(problem) : Convert.FromBase64String(value.Trim());
}
