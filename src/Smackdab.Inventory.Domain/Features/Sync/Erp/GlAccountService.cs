using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Domain.Features.Sync.Erp;

/// <summary>The organization's GL account mapping (organization settings) and the lookup exports use.</summary>
public sealed class GlAccountService(InventoryDbContext db, TenantContext tenant, TimeProvider clock)
{
    /// <summary>When an organization has set no mapping at all.</summary>
    public const string FallbackAccount = "1200-INVENTORY";

    public async Task<GlAccountSettings> GetAsync(CancellationToken ct) => ToSettings(await db.GlAccountMappings.AsNoTracking().ToListAsync(ct));

    public async Task<GlAccountSettings> ReplaceAsync(GlAccountSettings settings, CancellationToken ct)
    {
        var organizationId = tenant.RequireOrganization();
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.InTransactionAsync(async () =>
        {
            await db.GlAccountMappings.ExecuteDeleteAsync(ct);
            var rows = settings.Rules!.Select(r => new GlAccountMapping
            {
                OrganizationId = organizationId, TransactionType = r.TransactionType, LocationType = r.LocationType, Account = r.Account!, UpdatedAt = now,
            }).Append(new GlAccountMapping { OrganizationId = organizationId, Account = settings.DefaultAccount!, UpdatedAt = now }).ToList();
            db.GlAccountMappings.AddRange(rows);
            await db.SaveChangesAsync(ct);
            return ToSettings(rows);
        }, ct);
    }

    /// <summary>The mapping as a lookup: most specific rule first.</summary>
    public static Func<string, string?, string> Resolver(IReadOnlyList<GlAccountMapping> rows)
    {
        var exact = rows.Where(r => r.TransactionType is not null && r.LocationType is not null).ToDictionary(r => (r.TransactionType!, r.LocationType!), r => r.Account);
        var byType = rows.Where(r => r.TransactionType is not null && r.LocationType is null).ToDictionary(r => r.TransactionType!, r => r.Account);
        var byLocation = rows.Where(r => r.TransactionType is null && r.LocationType is not null).ToDictionary(r => r.LocationType!, r => r.Account);
        var fallback = rows.FirstOrDefault(r => r.TransactionType is null && r.LocationType is null)?.Account ?? FallbackAccount;
        return (type, locationType) =>
            locationType is not null && exact.TryGetValue((type, locationType), out var a) ? a
            : byType.TryGetValue(type, out var b) ? b
            : locationType is not null && byLocation.TryGetValue(locationType, out var c) ? c
            : fallback;
    }

    private static GlAccountSettings ToSettings(IReadOnlyList<GlAccountMapping> rows) => new()
    {
        DefaultAccount = rows.FirstOrDefault(r => r.TransactionType is null && r.LocationType is null)?.Account ?? FallbackAccount,
        Rules = rows.Where(r => r.TransactionType is not null || r.LocationType is not null)
            .OrderBy(r => r.TransactionType, StringComparer.Ordinal).ThenBy(r => r.LocationType, StringComparer.Ordinal)
            .Select(r => new GlAccountRuleDto { TransactionType = r.TransactionType, LocationType = r.LocationType, Account = r.Account }).ToList(),
    };
}
