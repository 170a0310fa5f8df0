using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Smackdab.Inventory.Domain.Features.Integrations;

/// <summary>
/// Encrypts an integration's credentials with AES-256-GCM. The integration id is the associated data, so a ciphertext
/// copied onto another row does not decrypt. Layout: version (1) | nonce (12) | tag (16) | ciphertext.
/// </summary>
public sealed class CredentialProtector
{
    private const byte FormatVersion = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    // Development/Testing only: a fixed, public key so that a fresh checkout runs without configuration.
    private static readonly byte[] DevelopmentKey = SHA256.HashData(Encoding.UTF8.GetBytes("smackdab-development-credential-key"));

    private readonly byte[] _key;

    public CredentialProtector(IOptions<IntegrationOptions> options)
    {
        var configured = options.Value.CredentialKey;
        _key = string.IsNullOrWhiteSpace(configured) ? DevelopmentKey : Convert.FromBase64String(configured);
        UsesDevelopmentKey = string.IsNullOrWhiteSpace(configured);
    }

    public bool UsesDevelopmentKey { get; }

    public static bool IsValidKey(string? base64)
    {
        if (string.IsNullOrWhiteSpace(base64))
        {
            return false;
        }

        Span<byte> buffer = stackalloc byte[64];
        return Convert.TryFromBase64String(base64, buffer, out var written) && written == 32;
    }

    public byte[] Protect(IntegrationCredentials credentials, string integrationId)
    {
        var plain = JsonSerializer.SerializeToUtf8Bytes(credentials);
        try
        {
            return ProtectBytes(plain, integrationId);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    public IntegrationCredentials Unprotect(byte[]? ciphertext, string integrationId)
    {
        if (ciphertext is null || ciphertext.Length == 0)
        {
            return new IntegrationCredentials();
        }

        var plain = UnprotectBytes(ciphertext, integrationId);
        try
        {
            return JsonSerializer.Deserialize<IntegrationCredentials>(plain) ?? new IntegrationCredentials();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <summary>Encrypts raw secret bytes (for example an import's decryption key), bound to <paramref name="boundTo"/>.</summary>
    public byte[] ProtectBytes(ReadOnlySpan<byte> plain, string boundTo)
    {
        var output = new byte[1 + NonceSize + TagSize + plain.Length];
        output[0] = FormatVersion;
        var nonce = output.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plain, output.AsSpan(1 + NonceSize + TagSize), output.AsSpan(1 + NonceSize, TagSize), Encoding.UTF8.GetBytes(boundTo));
        return output;
    }

    /// <summary>The bytes given to <see cref="ProtectBytes"/>; the caller zeroes them when done.</summary>
    public byte[] UnprotectBytes(byte[] ciphertext, string boundTo)
    {
        if (ciphertext.Length < 1 + NonceSize + TagSize || ciphertext[0] != FormatVersion)
        {
            throw new CryptographicException("Unknown credential format");
        }

        var plain = new byte[ciphertext.Length - 1 - NonceSize - TagSize];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(
            ciphertext.AsSpan(1, NonceSize),
            ciphertext.AsSpan(1 + NonceSize + TagSize),
            ciphertext.AsSpan(1 + NonceSize, TagSize),
            plain,
            Encoding.UTF8.GetBytes(boundTo));
        return plain;
    }
}

/// <summary>The external system's credentials as stored (encrypted): an API key, or OAuth 2.0 client and tokens.</summary>
public sealed record IntegrationCredentials
{
    public string? ApiKey { get; init; }

    public string? ApiKeyHeader { get; init; }

    public string? ClientId { get; init; }

    public string? ClientSecret { get; init; }

    public string? RefreshToken { get; init; }

    public string? TokenUrl { get; init; }

    public string? Scope { get; init; }

    public string? AccessToken { get; init; }

    public DateTime? AccessTokenExpiresAt { get; init; }

    /// <summary>URL imports: further headers sent with the fetch (for example X-Organization-ID).</summary>
    public Dictionary<string, string>? ExtraHeaders { get; init; }
}
