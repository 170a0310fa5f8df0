using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;

namespace Smackdab.Inventory.Domain.Features.SigningKeys;

/// <summary>
/// Creates, rotates and lists the token signing keys. Rotation takes a PostgreSQL advisory lock for the length of its
/// transaction, so that any number of instances can call it at the same time and still end up with one current key.
/// </summary>
public sealed class SigningKeyService(InventoryDbContext db, TimeProvider clock, SigningKeyProtector protector)
{
    public const string Algorithm = "RS256";

    // pg_advisory_xact_lock key for rotation ("SMKSIGNK" as a 64-bit integer).
    private const long RotationLockId = 0x534D4B5349474E4B;

    /// <summary>The published keys: the current one first, then the most recently retired one (if any).</summary>
    public async Task<IReadOnlyList<SigningKey>> GetPublishedAsync(CancellationToken ct)
    {
        var current = await db.SigningKeys.AsNoTracking().Where(k => k.RetiredAt == null).OrderByDescending(k => k.CreatedAt).FirstOrDefaultAsync(ct);
        var previous = await db.SigningKeys.AsNoTracking().Where(k => k.RetiredAt != null).OrderByDescending(k => k.RetiredAt).FirstOrDefaultAsync(ct);
        return new[] { current, previous }.OfType<SigningKey>().ToList();
    }

    /// <summary>Makes sure a current key exists and is younger than <paramref name="rotationPeriod"/>; rotates otherwise.</summary>
    /// <returns>The current key and whether this call created it.</returns>
    public async Task<(SigningKey Key, bool Rotated)> EnsureCurrentAsync(TimeSpan rotationPeriod, int keySizeBits, CancellationToken ct)
    {
        var current = await CurrentAsync(ct);
        if (current is not null && !IsDue(current, rotationPeriod))
        {
            return (current, false);
        }

        return await RotateAsync(keySizeBits, key => key is null || IsDue(key, rotationPeriod), ct);
    }

    /// <summary>Retires the current key (erasing its private half) and creates a new current key.</summary>
    public async Task<SigningKey> RotateNowAsync(int keySizeBits, CancellationToken ct) =>
        (await RotateAsync(keySizeBits, _ => true, ct)).Key;

    private bool IsDue(SigningKey key, TimeSpan rotationPeriod) => clock.GetUtcNow().UtcDateTime - key.CreatedAt >= rotationPeriod;

    private Task<SigningKey?> CurrentAsync(CancellationToken ct) =>
        db.SigningKeys.AsNoTracking().Where(k => k.RetiredAt == null).OrderByDescending(k => k.CreatedAt).FirstOrDefaultAsync(ct);

    private async Task<(SigningKey Key, bool Rotated)> RotateAsync(int keySizeBits, Func<SigningKey?, bool> onlyIf, CancellationToken ct)
    {
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            await using var transaction = await db.BeginOrJoinTransactionAsync(ct);
            await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock({0})", [RotationLockId], ct);

            // Re-read under the lock: another instance may have rotated meanwhile.
            var current = await db.SigningKeys.Where(k => k.RetiredAt == null).ToListAsync(ct);
            var newest = current.OrderByDescending(k => k.CreatedAt).FirstOrDefault();
            if (!onlyIf(newest))
            {
                return (newest!, false);
            }

            var now = clock.GetUtcNow().UtcDateTime;
            foreach (var key in current)
            {
                key.RetiredAt = now;
                key.PrivateKey = null;
            }

            var created = NewKey(keySizeBits, now, protector);
            db.SigningKeys.Add(created);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            db.ChangeTracker.Clear();
            return (created, true);
        });
    }

    private static SigningKey NewKey(int keySizeBits, DateTime now, SigningKeyProtector protector)
    {
        using var rsa = RSA.Create(keySizeBits);
        var id = $"rsa_{now:yyyyMMdd}_{PublicId.RandomToken(12)}";
        return new SigningKey
        {
            Id = id,
            Algorithm = Algorithm,
            PublicKey = rsa.ExportSubjectPublicKeyInfo(),
            PrivateKey = protector.Protect(rsa.ExportPkcs8PrivateKey(), id),
            CreatedAt = now,
        };
    }
}
