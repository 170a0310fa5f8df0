using Microsoft.EntityFrameworkCore;

namespace Smackdab.Inventory.Domain.Data;

/// <summary>
/// Runs work in one database transaction, joining the one already open on the context (the idempotency
/// middleware opens one around every keyed mutation, so that the effect and its idempotency record commit
/// together). Feature services that need more than one SaveChanges to be atomic use this instead of
/// <c>BeginTransactionAsync</c>, which would fail inside an ambient transaction.
/// </summary>
public static class TransactionScopeExtensions
{
    /// <summary>Runs <paramref name="work"/> in the current transaction, or in a new one that is committed when it succeeds.</summary>
    public static async Task<T> InTransactionAsync<T>(this InventoryDbContext db, Func<Task<T>> work, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (db.Database.CurrentTransaction is not null)
        {
            // The owner of the ambient transaction commits or rolls back; an exception here propagates to it.
            return await work();
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var result = await work();
        await transaction.CommitAsync(ct);
        return result;
    }

    /// <inheritdoc cref="InTransactionAsync{T}(InventoryDbContext, Func{Task{T}}, CancellationToken)"/>
    public static Task InTransactionAsync(this InventoryDbContext db, Func<Task> work, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(work);
        return db.InTransactionAsync(async () =>
        {
            await work();
            return true;
        }, ct);
    }

    /// <summary>
    /// Runs read-only <paramref name="work"/> in a new REPEATABLE READ transaction: every query sees the same snapshot
    /// (exports read millions of rows while writers go on). Refuses to join an open transaction, whose snapshot may differ.
    /// </summary>
    public static async Task<T> InSnapshotAsync<T>(this InventoryDbContext db, Func<Task<T>> work, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (db.Database.CurrentTransaction is not null)
        {
            throw new InvalidOperationException("A snapshot read needs its own transaction; use a context without an open one.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var result = await work();
        await transaction.CommitAsync(ct);
        return result;
    }
}
