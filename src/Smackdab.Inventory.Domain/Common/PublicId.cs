using System.Security.Cryptography;

namespace Smackdab.Inventory.Domain.Common;

/// <summary>Prefixed public identifiers such as <c>prod_7k3m9x2q4w8e5r1t</c>.</summary>
public static class PublicId
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    public const string Organization = "org";
    public const string Branch = "branch";
    public const string Product = "prod";
    public const string Location = "loc";
    public const string ApiKey = "key";
    public const string Transaction = "txn";
    public const string Transfer = "trf";
    public const string Allocation = "alloc";
    public const string Integration = "int";
    public const string SyncJob = "sync";
    public const string Saga = "saga";
    public const string Event = "evt";

    public static string New(string prefix) => $"{prefix}_{RandomToken(16)}";

    public static string RandomToken(int length)
    {
        Span<byte> bytes = stackalloc byte[length];
        RandomNumberGenerator.Fill(bytes);
        return string.Create(length, bytes.ToArray(), static (chars, source) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = Alphabet[source[i] & 31];
            }
        });
    }

    public static bool HasPrefix(string? id, string prefix) =>
        id is not null && id.Length > prefix.Length + 1 && id.StartsWith(prefix + "_", StringComparison.Ordinal);
}
