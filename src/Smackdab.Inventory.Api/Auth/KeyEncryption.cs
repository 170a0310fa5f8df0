using System.Security.Cryptography;
using System.Text;
using Smackdab.Inventory.Domain.Features.SigningKeys;

namespace Smackdab.Inventory.Api.Auth;

/// <summary>The signing keys' key-encryption key, from Jwt:KeyEncryptionKey.</summary>
public static class KeyEncryption
{
    public static bool IsValid(string? configured) =>
        string.IsNullOrEmpty(configured) || (TryDecode(configured) is { Length: 32 });

    public static SigningKeyProtector CreateProtector(JwtOptions options, ILogger logger)
    {
        if (string.IsNullOrEmpty(options.KeyEncryptionKey))
        {
            logger.LogWarning("Jwt:KeyEncryptionKey is not set: signing keys are encrypted with the built-in development key. Set it in production.");
            return new SigningKeyProtector(SHA256.HashData(Encoding.UTF8.GetBytes("smackdab-inventory development key-encryption key")));
        }

        return new SigningKeyProtector(TryDecode(options.KeyEncryptionKey)!);
    }

    private static byte[]? TryDecode(string value)
    {
        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out var written) ? buffer[..written] : null;
    }
}
