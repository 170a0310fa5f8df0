using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Smackdab.Inventory.Domain.Data;

/// <summary>
/// The one way into a database transaction: joins the transaction already open on the context, or begins one and owns it.
/// The idempotency middleware opens one around every keyed mutation so that the effect and its idempotency record commit
/// together; a feature service that began its own would fail inside it. <c>BeginTransactionAsync</c> is banned everywhere
/// else (BannedSymbols.txt), so this rule is kept by the build, not by memory.
/// </summary>
/// <remarks>
/// Only the owner commits or rolls back. A joined scope's <see cref="CommitAsync"/> does nothing: the owner decides, and an
/// exception thrown inside a joined scope propagates to it. Disposing an owned scope that was not committed rolls it back.
/// </remarks>
public sealed class DatabaseTransaction : IAsyncDisposable
{
    private readonly IDbContextTransaction? _owned;

    private DatabaseTransaction(IDbContextTransaction? owned) => _owned = owned;

    /// <summary>True when this scope began the transaction (and so commits it); false when it joined an open one.</summary>
    public bool IsOwner => _owned is not null;

    public static async Task<DatabaseTransaction> BeginOrJoinAsync(InventoryDbContext db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (db.Database.CurrentTransaction is not null)
        {
            return new DatabaseTransaction(null);
        }

#pragma warning disable RS0030 // The permitted calls: this is the one way into a transaction.
        return new DatabaseTransaction(await db.Database.BeginTransactionAsync(ct));
    }

    /// <summary>
    /// Begins a new REPEATABLE READ transaction for read-only work that must see one snapshot (exports read millions of rows
    /// while writers go on). Refuses to join an open transaction, whose snapshot may differ.
    /// </summary>
    public static async Task<DatabaseTransaction> BeginSnapshotAsync(InventoryDbContext db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (db.Database.CurrentTransaction is not null)
        {
            throw new InvalidOperationException("A snapshot read needs its own transaction; use a context without an open one.");
        }

        return new DatabaseTransaction(await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct));
#pragma warning restore RS0030
    }

    /// <summary>Commits when this scope owns the transaction; a joined scope leaves that to the owner.</summary>
    public Task CommitAsync(CancellationToken ct) => _owned is null ? Task.CompletedTask : _owned.CommitAsync(ct);

    /// <summary>Rolls back an owned transaction. A joined scope cannot undo only its part: it throws instead, to make the owner roll back.</summary>
    public Task RollbackAsync(CancellationToken ct) =>
        _owned is null
            ? throw new InvalidOperationException("A joined transaction scope cannot roll back; throw to make the owner roll back.")
            : _owned.RollbackAsync(ct);

    public ValueTask DisposeAsync() => _owned?.DisposeAsync() ?? ValueTask.CompletedTask;
}

public static class DatabaseTransactionExtensions
{
    /// <inheritdoc cref="DatabaseTransaction.BeginOrJoinAsync"/>
    public static Task<DatabaseTransaction> BeginOrJoinTransactionAsync(this InventoryDbContext db, CancellationToken ct) =>
        DatabaseTransaction.BeginOrJoinAsync(db, ct);

    /// <summary>Runs <paramref name="work"/> in the current transaction, or in a new one that is committed when it succeeds.</summary>
    public static async Task<T> InTransactionAsync<T>(this InventoryDbContext db, Func<Task<T>> work, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(work);
        await using var transaction = await db.BeginOrJoinTransactionAsync(ct);
        var result = await work();
        await transaction.CommitAsync(ct);
        return result;
    }

    /// <summary>Runs read-only <paramref name="work"/> in a new REPEATABLE READ transaction (see <see cref="DatabaseTransaction.BeginSnapshotAsync"/>).</summary>
    public static async Task<T> InSnapshotAsync<T>(this InventoryDbContext db, Func<Task<T>> work, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(work);
        await using var transaction = await DatabaseTransaction.BeginSnapshotAsync(db, ct);
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
}
