using System.Security.Cryptography;
using System.Text;

namespace Smackdab.Inventory.Domain.Common;

/// <summary>
/// How every high-entropy secret (API keys, OAuth client secrets, refresh tokens, codes) is stored and compared:
/// an unsalted SHA-256 suffices for 160+ random bits; comparisons are constant-time.
/// </summary>
public static class SecretHashing
{
    public static string Sha256Hex(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}
