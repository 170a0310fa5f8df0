using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Smackdab.Inventory.Domain.Data;

/// <summary>
/// Turns off EF Core's automatic savepoint around SaveChanges inside an open transaction (a SAVEPOINT and a RELEASE,
/// two round trips per save). Our transactions are all-or-nothing: a failed SaveChanges ends the request and its
/// transaction is rolled back whole; nothing catches the failure and carries on in the same transaction.
/// </summary>
public sealed class NoAutoSavepointsInterceptor : SaveChangesInterceptor
{
    public static readonly NoAutoSavepointsInterceptor Instance = new();

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Disable(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Disable(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private static void Disable(DbContext? context)
    {
        if (context is not null)
        {
            context.Database.AutoSavepointsEnabled = false;
        }
    }
}
