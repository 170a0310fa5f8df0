using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Data;

namespace Smackdab.Inventory.Api.Middleware;

/// <summary>
/// An organization's default branch, read once per process: it is set when the organization is created and never
/// changes, so a cached value cannot go stale. Saves one round trip on every request that names no branch.
/// </summary>
public sealed class DefaultBranchCache
{
    // Bounded so that a flood of organization ids cannot grow it without limit; refilling costs one query each.
    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<string, string> _branches = new(StringComparer.Ordinal);

    public async ValueTask<string?> GetAsync(InventoryDbContext db, string organizationId, CancellationToken ct)
    {
        if (_branches.TryGetValue(organizationId, out var cached))
        {
            return cached;
        }

        var branchId = await db.Organizations.AsNoTracking()
            .Where(o => o.Id == organizationId).Select(o => o.DefaultBranchId).FirstOrDefaultAsync(ct);
        if (branchId is { Length: > 0 })
        {
            if (_branches.Count >= MaxEntries)
            {
                _branches.Clear();
            }

            _branches[organizationId] = branchId;
        }

        return branchId;
    }
}
