using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.Locations;

public sealed class Location : TenantEntity, IBranchOwned, ISoftDeletable
{
    public string BranchId { get; set; } = "";

    public string Name { get; set; } = "";

    public string? Code { get; set; }

    public string Type { get; set; } = LocationTypes.Warehouse;

    public string? LocationGroup { get; set; }

    public Address Address { get; set; } = new();

    public DateTime? DeletedAt { get; set; }
}

public sealed class Address
{
    public string? Line1 { get; set; }

    public string? Line2 { get; set; }

    public string? City { get; set; }

    public string? Region { get; set; }

    public string? PostalCode { get; set; }

    public string? Country { get; set; }
}

public static class LocationTypes
{
    public const string Warehouse = "warehouse";
    public const string Retail = "retail";
    public const string DistributionCenter = "distribution_center";
    public const string Store = "store";
    public const string Virtual = "virtual";

    public static readonly IReadOnlyList<string> All = [Warehouse, Retail, DistributionCenter, Store, Virtual];
}
