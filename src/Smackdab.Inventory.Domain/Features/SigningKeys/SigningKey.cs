namespace Smackdab.Inventory.Domain.Features.SigningKeys;

/// <summary>
/// An RSA key that signs access tokens (RS256). At most one key is current (<see cref="RetiredAt"/> is null); the most
/// recently retired key stays published so that tokens it signed keep verifying until they expire.
/// </summary>
/// <remarks>
/// The private key (PKCS#8 DER, AES-256-GCM encrypted with Jwt:KeyEncryptionKey) is kept in PostgreSQL while the key is current, so that every instance signs with the same
/// key; it is erased when the key is retired, after which only the public key remains. See docs/authentication.md.
/// </remarks>
public sealed class SigningKey
{
    /// <summary>The key id, sent as <c>kid</c> in token headers and in the JWKS.</summary>
    public string Id { get; set; } = "";

    public string Algorithm { get; set; } = SigningKeyService.Algorithm;

    /// <summary>SubjectPublicKeyInfo, DER.</summary>
    public byte[] PublicKey { get; set; } = [];

    /// <summary>PKCS#8 private key, DER, encrypted by <see cref="SigningKeyProtector"/>; null once the key is retired.</summary>
    public byte[]? PrivateKey { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>When the key stopped signing; null for the current key.</summary>
    public DateTime? RetiredAt { get; set; }
}
