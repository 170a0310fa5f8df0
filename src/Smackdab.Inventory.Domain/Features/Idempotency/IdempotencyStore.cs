using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Data;

namespace Smackdab.Inventory.Domain.Features.Idempotency;

/// <summary>
/// Idempotency records in PostgreSQL. Every method runs on the request's <see cref="InventoryDbContext"/> and so inside
/// the transaction the caller opened: the record is committed or rolled back together with the request's effect.
/// </summary>
public interface IIdempotencyStore
{
    /// <summary>Takes the transaction-scoped advisory lock of (organization, credential, endpoint, key); false when another request holds it.</summary>
    Task<bool> TryLockAsync(string organizationId, string credentialId, string endpoint, string key, CancellationToken ct);

    /// <summary>The unexpired record, or null.</summary>
    Task<IdempotencyRecord?> FindAsync(string organizationId, string credentialId, string endpoint, string key, DateTime now, CancellationToken ct);

    /// <summary>Inserts the record, replacing an expired one with the same scope and key.</summary>
    Task SaveAsync(IdempotencyRecord record, DateTime now, CancellationToken ct);

    /// <summary>Whether the organization requires an Idempotency-Key on POSTs under /v1/inventory.</summary>
    Task<bool> RequiresKeyForInventoryAsync(string organizationId, CancellationToken ct);

    /// <summary>Deletes up to <paramref name="batchSize"/> expired records (any organization); returns how many.</summary>
    Task<int> DeleteExpiredAsync(DateTime now, int batchSize, CancellationToken ct);
}

public sealed class IdempotencyStore(InventoryDbContext db) : IIdempotencyStore
{
    public async Task<bool> TryLockAsync(string organizationId, string credentialId, string endpoint, string key, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("The idempotency lock is transaction-scoped; begin a transaction first.");
        }

        var lockId = LockId(organizationId, credentialId, endpoint, key);
        return await db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_xact_lock({lockId}) AS \"Value\"").SingleAsync(ct);
    }

    public Task<IdempotencyRecord?> FindAsync(string organizationId, string credentialId, string endpoint, string key, DateTime now, CancellationToken ct) =>
        db.IdempotencyRecords.IgnoreQueryFilters().AsNoTracking()
            .Where(r => r.OrganizationId == organizationId && r.CredentialId == credentialId && r.Endpoint == endpoint && r.Key == key && r.ExpiresAt > now)
            .FirstOrDefaultAsync(ct);

    public async Task SaveAsync(IdempotencyRecord record, DateTime now, CancellationToken ct)
    {
        // Raw SQL writes exactly this row, whatever else the context tracks. An expired row with the same key is replaced;
        // an unexpired one cannot exist here (the caller holds the key's lock and looked it up), and would fail the insert.
        var written = await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO idempotency_records (organization_id, credential_id, endpoint, key, request_hash, response_status, response_body, created_at, expires_at)
            VALUES ({record.OrganizationId}, {record.CredentialId}, {record.Endpoint}, {record.Key}, {record.RequestHash}, {record.ResponseStatus}, {record.ResponseBody}, {record.CreatedAt}, {record.ExpiresAt})
            ON CONFLICT (organization_id, credential_id, endpoint, key) DO UPDATE
               SET request_hash = EXCLUDED.request_hash, response_status = EXCLUDED.response_status, response_body = EXCLUDED.response_body,
                   created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
             WHERE idempotency_records.expires_at <= {now}
            """, ct);
        if (written != 1)
        {
            throw new InvalidOperationException($"An unexpired idempotency record for {record.Endpoint} already exists.");
        }
    }

    public async Task<bool> RequiresKeyForInventoryAsync(string organizationId, CancellationToken ct) =>
        await db.Organizations.AsNoTracking().Where(o => o.Id == organizationId)
            .Select(o => (bool?)o.RequireIdempotencyForInventory).FirstOrDefaultAsync(ct) ?? true;

    public Task<int> DeleteExpiredAsync(DateTime now, int batchSize, CancellationToken ct) =>
        // SKIP LOCKED: instances cleaning at the same time take different rows instead of waiting on each other.
        db.Database.ExecuteSqlAsync(
            $"""
            DELETE FROM idempotency_records WHERE ctid IN (
                SELECT ctid FROM idempotency_records WHERE expires_at <= {now} LIMIT {batchSize} FOR UPDATE SKIP LOCKED)
            """, ct);

    /// <summary>A 64-bit advisory lock id: the first 8 bytes of SHA-256 over the scope and key.</summary>
    public static long LockId(string organizationId, string credentialId, string endpoint, string key)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"idempotency\n{organizationId}\n{credentialId}\n{endpoint}\n{key}"), digest);
        return BinaryPrimitives.ReadInt64BigEndian(digest);
    }
}
