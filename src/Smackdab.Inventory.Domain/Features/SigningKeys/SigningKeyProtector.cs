using System.Security.Cryptography;
using System.Text;

namespace Smackdab.Inventory.Domain.Features.SigningKeys;

/// <summary>
/// Encrypts signing keys' private halves at rest: AES-256-GCM with the key-encryption key (Jwt:KeyEncryptionKey), a fresh
/// 96-bit nonce per key, and the key id as associated data (a ciphertext copied to another row does not decrypt).
/// Stored as "SKE1" | nonce | tag | ciphertext. A value without that prefix is a private key stored before encryption
/// (read as is; it is erased at the next rotation like any other).
/// </summary>
public sealed class SigningKeyProtector
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly byte[] Marker = "SKE1"u8.ToArray();

    private readonly byte[] _key;

    public SigningKeyProtector(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length != 32)
        {
            throw new ArgumentException("The key-encryption key must be 32 bytes (AES-256).", nameof(key));
        }

        _key = key;
    }

    public byte[] Protect(byte[] privateKey, string keyId)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        var output = new byte[Marker.Length + NonceSize + TagSize + privateKey.Length];
        var nonce = output.AsSpan(Marker.Length, NonceSize);
        var tag = output.AsSpan(Marker.Length + NonceSize, TagSize);
        var ciphertext = output.AsSpan(Marker.Length + NonceSize + TagSize);
        Marker.CopyTo(output, 0);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, privateKey, ciphertext, tag, Encoding.UTF8.GetBytes(keyId));
        return output;
    }

    /// <exception cref="CryptographicException">The stored key was encrypted with another key-encryption key, or altered.</exception>
    public byte[] Unprotect(byte[] stored, string keyId)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (!stored.AsSpan().StartsWith(Marker))
        {
            return stored;
        }

        var nonce = stored.AsSpan(Marker.Length, NonceSize);
        var tag = stored.AsSpan(Marker.Length + NonceSize, TagSize);
        var ciphertext = stored.AsSpan(Marker.Length + NonceSize + TagSize);
        var plaintext = new byte[ciphertext.Length];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(nonce, ciphertext, tag, plaintext, Encoding.UTF8.GetBytes(keyId));
        return plaintext;
    }
}
