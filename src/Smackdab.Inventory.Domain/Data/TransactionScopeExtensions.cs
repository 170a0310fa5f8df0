using Microsoft.EntityFrameworkCore;

namespace Smackdab.Inventory.Domain.Data;

public static class TransactionScopeExtensions
{
    /// <summary>
    /// Runs <paramref name="work"/> in a database transaction: joins the caller's transaction when one is open
    /// (e.g. the idempotency middleware's, so that effect and idempotency record commit together), else begins and commits its own.
    /// </summary>
    public static async Task<T> InTransactionAsync<T>(this InventoryDbContext db, Func<Task<T>> work, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is not null)
        {
            return await work();
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var result = await work();
        await transaction.CommitAsync(ct);
        return result;
    }
}
