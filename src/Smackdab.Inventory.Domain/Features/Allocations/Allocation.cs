using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.Allocations;

/// <summary>Stock promised to a reference (e.g. an order). Its open quantity is part of the balance's allocated.</summary>
public sealed class Allocation : ITenantOwned, ILocationScoped
{
    public string Id { get; set; } = "";

    public string OrganizationId { get; set; } = "";

    public string ProductId { get; set; } = "";

    public string LocationId { get; set; } = "";

    /// <summary>All quantities are in the product's base unit.</summary>
    public decimal Quantity { get; set; }

    public decimal ReleasedQuantity { get; set; }

    public decimal FulfilledQuantity { get; set; }

    public decimal OpenQuantity => Quantity - ReleasedQuantity - FulfilledQuantity;

    public string Uom { get; set; } = "";

    public string Priority { get; set; } = AllocationPriorities.Normal;

    public string Status { get; set; } = AllocationStatuses.Pending;

    public string? Reference { get; set; }

    public int Version { get; set; } = 1;

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}

public static class AllocationPriorities
{
    public const string Low = "low";
    public const string Normal = "normal";
    public const string High = "high";

    public static readonly IReadOnlyList<string> All = [Low, Normal, High];
}

public static class AllocationStatuses
{
    /// <summary>Open: some quantity is still allocated.</summary>
    public const string Pending = "pending";
    public const string Fulfilled = "fulfilled";
    public const string Released = "released";

    /// <summary>Closed after part was fulfilled and the rest released.</summary>
    public const string Closed = "closed";

    public static readonly IReadOnlyList<string> All = [Pending, Fulfilled, Released, Closed];
}
