using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.Locations;

public sealed record AddressDto
{
    public string? Line1 { get; init; }

    public string? Line2 { get; init; }

    public string? City { get; init; }

    public string? Region { get; init; }

    public string? PostalCode { get; init; }

    public string? Country { get; init; }
}

/// <summary>The writable fields of a location: the body of POST and PUT, and what PATCH merges into.</summary>
public sealed record LocationWriteRequest
{
    public string? Name { get; init; }

    public string? Code { get; init; }

    public string? Type { get; init; }

    /// <summary>Defaults to the request's branch (X-Branch-ID, else the organization's default branch).</summary>
    public string? BranchId { get; init; }

    public string? LocationGroup { get; init; }

    public AddressDto? Address { get; init; }

    public static LocationWriteRequest Example => new()
    {
        Name = "Main Warehouse",
        Code = "WH-MAIN",
        Type = LocationTypes.Warehouse,
        LocationGroup = "warehouse",
        Address = new AddressDto { Line1 = "1 Dock Road", City = "Springfield", Region = "IL", PostalCode = "62701", Country = "US" },
    };
}

public sealed record LocationResponse
{
    public string Id { get; init; } = "";

    public string Name { get; init; } = "";

    public string? Code { get; init; }

    public string Type { get; init; } = "";

    public string BranchId { get; init; } = "";

    public string? LocationGroup { get; init; }

    public AddressDto Address { get; init; } = new();

    public int Version { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; init; }

    public static LocationResponse From(Location l) => new()
    {
        Id = l.Id,
        Name = l.Name,
        Code = l.Code,
        Type = l.Type,
        BranchId = l.BranchId,
        LocationGroup = l.LocationGroup,
        Address = new AddressDto
        {
            Line1 = l.Address.Line1,
            Line2 = l.Address.Line2,
            City = l.Address.City,
            Region = l.Address.Region,
            PostalCode = l.Address.PostalCode,
            Country = l.Address.Country,
        },
        Version = l.Version,
        CreatedAt = l.CreatedAt,
        UpdatedAt = l.UpdatedAt,
    };
}
