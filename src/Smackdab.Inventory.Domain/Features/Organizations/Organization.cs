namespace Smackdab.Inventory.Domain.Features.Organizations;

public sealed class Organization
{
    public string Id { get; set; } = "";

    public string Name { get; set; } = "";

    public string DefaultBranchId { get; set; } = "";

    /// <summary>When true, shipments and negative adjustments may take stock below zero.</summary>
    public bool AllowNegativeInventory { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}

public sealed class Branch
{
    public string Id { get; set; } = "";

    public string OrganizationId { get; set; } = "";

    public string Name { get; set; } = "";

    public DateTime CreatedAt { get; set; }
}
