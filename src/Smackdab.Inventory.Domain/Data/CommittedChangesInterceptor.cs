using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Smackdab.Inventory.Domain.Features.Caching;

namespace Smackdab.Inventory.Domain.Data;

/// <summary>
/// The one place where caches learn of changes: the outbox records what each transaction wrote (every change writes its
/// events there), and this interceptor hands that to the <see cref="ICommittedChangeObserver"/> once the transaction has
/// committed — never before, and never for one that rolled back.
/// </summary>
public sealed class CommittedChangesInterceptor(ICommittedChangeObserver observer) : DbTransactionInterceptor
{
    public override ValueTask<DbTransaction> TransactionStartedAsync(DbConnection connection, TransactionEndEventData eventData, DbTransaction result, CancellationToken cancellationToken = default)
    {
        Forget(eventData);
        return ValueTask.FromResult(result);
    }

    public override DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
    {
        Forget(eventData);
        return result;
    }

    public override async Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is InventoryDbContext db && db.Outbox.TakeWritten() is { Count: > 0 } changes)
        {
            // Not the request's token: the change is committed, and the caches must hear of it even if the caller has gone.
            await observer.OnCommittedAsync(changes);
        }
    }

    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData)
    {
        if (eventData.Context is InventoryDbContext db && db.Outbox.TakeWritten() is { Count: > 0 } changes)
        {
            observer.OnCommittedAsync(changes).AsTask().GetAwaiter().GetResult();
        }
    }

    public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData);
        return Task.CompletedTask;
    }

    public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Forget(eventData);

    // A failed commit may have committed after all; then its NOTIFY reaches every instance's listener. Publishing numbers
    // that may never have committed would be worse: a later commit reusing them would not change any cache key.
    public override Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData);
        return Task.CompletedTask;
    }

    public override void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => Forget(eventData);

    private static void Forget(DbContextEventData eventData)
    {
        if (eventData.Context is InventoryDbContext db)
        {
            db.Outbox.TakeWritten();
        }
    }
}
