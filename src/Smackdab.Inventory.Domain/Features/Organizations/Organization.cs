using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.Organizations;

public sealed class Organization
{
    public string Id { get; set; } = "";

    public string Name { get; set; } = "";

    public string DefaultBranchId { get; set; } = "";

    /// <summary>When true, shipments and negative adjustments may take stock below zero.</summary>
    public bool AllowNegativeInventory { get; set; }

    /// <summary>When true (the default), POSTs under /v1/inventory must carry an Idempotency-Key.</summary>
    public bool RequireIdempotencyForInventory { get; set; } = true;

    /// <summary>The rate-limit tier (RateLimiting:Tiers) of the organization's credentials: default or premium.</summary>
    public string RateLimitTier { get; set; } = OrganizationDefaults.RateLimitTier;

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}

public static class OrganizationDefaults
{
    public const string RateLimitTier = "default";
}

public sealed class Branch : ITenantOwned
{
    public string Id { get; set; } = "";

    public string OrganizationId { get; set; } = "";

    public string Name { get; set; } = "";

    public DateTime CreatedAt { get; set; }
}
