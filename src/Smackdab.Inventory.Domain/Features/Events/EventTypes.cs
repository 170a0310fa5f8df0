namespace Smackdab.Inventory.Domain.Features.Events;

/// <summary>The event types of the change feed. shared/hooks.yaml catalogues each with the JSON Schema of its envelope.</summary>
public static class EventTypes
{
    public const string TransactionCreated = "inventory.transaction.created";
    public const string QuantityUpdated = "inventory.quantity.updated";
    public const string ProductCreated = "inventory.product.created";
    public const string ProductUpdated = "inventory.product.updated";
    public const string ProductDeleted = "inventory.product.deleted";
    public const string LocationCreated = "inventory.location.created";
    public const string LocationUpdated = "inventory.location.updated";
    public const string LocationDeleted = "inventory.location.deleted";
    public const string AllocationCreated = "inventory.allocation.created";
    public const string AllocationReleased = "inventory.allocation.released";
    public const string AllocationFulfilled = "inventory.allocation.fulfilled";
    public const string ShipmentConfirmed = "inventory.shipment.confirmed";
    public const string TransferCompleted = "inventory.transfer.completed";
    public const string HoldPrepared = "inventory.hold.prepared";
    public const string HoldCommitted = "inventory.hold.committed";
    public const string HoldAborted = "inventory.hold.aborted";
    public const string HoldExpired = "inventory.hold.expired";

    public static readonly IReadOnlyList<string> All =
    [
        TransactionCreated, QuantityUpdated,
        ProductCreated, ProductUpdated, ProductDeleted,
        LocationCreated, LocationUpdated, LocationDeleted,
        AllocationCreated, AllocationReleased, AllocationFulfilled,
        ShipmentConfirmed, TransferCompleted,
        HoldPrepared, HoldCommitted, HoldAborted, HoldExpired,
    ];

    private static readonly HashSet<string> Known = new(All, StringComparer.Ordinal);

    /// <summary>
    /// The short names the spec's SSE example uses (<c>inventory.updated</c>, <c>allocation.created</c>, <c>shipment.confirmed</c>)
    /// for the same events; streams send them in the <c>event</c> field and accept them as filters.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> StreamNames = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [QuantityUpdated] = "inventory.updated",
        [AllocationCreated] = "allocation.created",
        [ShipmentConfirmed] = "shipment.confirmed",
    };

    public static bool IsKnown(string type) => Known.Contains(type);

    /// <summary>The name a stream shows: the spec's short SSE name where there is one, the full type otherwise.</summary>
    public static string StreamName(string type) => StreamNames.TryGetValue(type, out var name) ? name : type;

    /// <summary>The full type for a full or short name, or null when neither is known.</summary>
    public static string? Resolve(string name)
    {
        if (Known.Contains(name))
        {
            return name;
        }

        foreach (var (type, shortName) in StreamNames)
        {
            if (shortName == name)
            {
                return type;
            }
        }

        return null;
    }
}

/// <summary>Values of <c>change_reason</c> in inventory.quantity.updated besides the ledger's transaction types.</summary>
public static class ChangeReasons
{
    public const string Allocation = "allocation";
    public const string AllocationRelease = "allocation_release";
    public const string Hold = "hold";
    public const string HoldRelease = "hold_release";
}
