using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;

namespace Smackdab.Inventory.Domain.Features.Organizations;

/// <summary>PATCH body: only the fields sent change.</summary>
public sealed record OrganizationSettingsPatch
{
    public bool? RequireIdempotencyForInventory { get; init; }

    /// <summary>When true, shipments, negative adjustments, transfers and holds may take stock below zero.</summary>
    public bool? AllowNegativeInventory { get; init; }

    /// <summary>Only the platform operator may change the tier.</summary>
    public string? RateLimitTier { get; init; }

    public static OrganizationSettingsPatch Example => new() { RequireIdempotencyForInventory = false };
}

public sealed record OrganizationSettingsResponse(
    string OrganizationId, bool RequireIdempotencyForInventory, bool AllowNegativeInventory, string RateLimitTier, DateTime UpdatedAt);

/// <summary>Per-organization settings of the API's safety rails.</summary>
public sealed class OrganizationSettingsService(InventoryDbContext db, TimeProvider clock)
{
    public async Task<OrganizationSettingsResponse> GetAsync(string organizationId, CancellationToken ct) =>
        From(await FindAsync(organizationId, ct));

    /// <summary>Applies the fields sent. <c>allowedTiers</c> lists the configured tier names, or is null when the caller may not change the tier.</summary>
    public async Task<OrganizationSettingsResponse> UpdateAsync(
        string organizationId, OrganizationSettingsPatch patch, IReadOnlyCollection<string>? allowedTiers, CancellationToken ct)
    {
        var organization = await FindAsync(organizationId, ct);
        if (patch.RateLimitTier is { } tier)
        {
            if (allowedTiers is null)
            {
                throw new PermissionDeniedException(
                    "Only the platform operator can change the rate limit tier",
                    new Dictionary<string, object?> { ["rate_limit_tier"] = new[] { "Is read-only for organization credentials" } });
            }

            if (!allowedTiers.Contains(tier, StringComparer.Ordinal))
            {
                throw new ValidationFailedException("rate_limit_tier", $"Must be one of: {string.Join(", ", allowedTiers)}");
            }

            organization.RateLimitTier = tier;
        }

        if (patch.RequireIdempotencyForInventory is { } require)
        {
            organization.RequireIdempotencyForInventory = require;
        }

        if (patch.AllowNegativeInventory is { } allowNegative)
        {
            organization.AllowNegativeInventory = allowNegative;
        }

        organization.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return From(organization);
    }

    private async Task<Organization> FindAsync(string organizationId, CancellationToken ct) =>
        await db.Organizations.FirstOrDefaultAsync(o => o.Id == organizationId, ct) ?? throw new NotFoundException("Organization", organizationId);

    private static OrganizationSettingsResponse From(Organization o) =>
        new(o.Id, o.RequireIdempotencyForInventory, o.AllowNegativeInventory, o.RateLimitTier, o.UpdatedAt);
}
