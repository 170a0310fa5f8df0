using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Events;

namespace Smackdab.Inventory.Domain.Features.Sync;

/// <summary>
/// Sync tokens: an organization's feed position, opaque and tamper-evident: <c>st1.&lt;payload&gt;.&lt;HMAC-SHA256&gt;</c>
/// (base64url). A token that was altered, forged, or issued to another organization is refused with a 400.
/// </summary>
public sealed class SyncTokens(SyncTokenKey key, InventoryDbContext db)
{
    private const string Version = "st1";

    public async Task<string> IssueAsync(string organizationId, long sequence, CancellationToken ct)
    {
        var payload = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new TokenPayload(organizationId, sequence)));
        var signed = $"{Version}.{payload}";
        return $"{signed}.{Base64Url.EncodeToString(Sign(await key.GetAsync(db, ct), signed))}";
    }

    /// <summary>The sequence in <paramref name="token"/>; throws VALIDATION_FAILED on <paramref name="field"/> when it is not genuine.</summary>
    public async Task<long> ReadAsync(string token, string organizationId, string field, CancellationToken ct)
    {
        var parts = token.Split('.');
        if (parts.Length == 3 && parts[0] == Version && token.Length <= 500)
        {
            try
            {
                var expected = Sign(await key.GetAsync(db, ct), $"{parts[0]}.{parts[1]}");
                var given = Base64Url.DecodeFromChars(parts[2]);
                if (CryptographicOperations.FixedTimeEquals(expected, given)
                    && JsonSerializer.Deserialize<TokenPayload>(Base64Url.DecodeFromChars(parts[1])) is { } payload
                    && payload.O == organizationId && payload.S >= 0)
                {
                    return payload.S;
                }
            }
            catch (Exception e) when (e is FormatException or JsonException)
            {
                // Falls through to the refusal below.
            }
        }

        throw new ValidationFailedException(field, "Is not a sync token issued to this organization");
    }

    private static byte[] Sign(byte[] secret, string text) => HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(text));

    private sealed record TokenPayload(string O, long S);
}

/// <summary>The HMAC key of sync tokens: Events:SyncTokenSecret, or one random key kept in the database.</summary>
public sealed class SyncTokenKey(IOptions<EventOptions> options, TimeProvider clock)
{
    private byte[]? _key;

    public async Task<byte[]> GetAsync(InventoryDbContext db, CancellationToken ct)
    {
        if (_key is { } known)
        {
            return known;
        }

        if (options.Value.SyncTokenSecret is { Length: > 0 } configured)
        {
            return _key = Convert.FromBase64String(configured);
        }

        var fresh = RandomNumberGenerator.GetBytes(32);
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO sync_token_secrets (id, key, created_at) VALUES (1, {fresh}, {clock.GetUtcNow().UtcDateTime}) ON CONFLICT (id) DO NOTHING", ct);
        var stored = await db.SyncTokenSecrets.AsNoTracking().Where(s => s.Id == 1).Select(s => s.Key).FirstAsync(ct);
        return _key = stored;
    }
}
