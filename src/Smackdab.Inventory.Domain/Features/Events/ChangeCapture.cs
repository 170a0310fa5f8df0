using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Allocations;
using Smackdab.Inventory.Domain.Features.Balances;
using Smackdab.Inventory.Domain.Features.Ledger;
using Smackdab.Inventory.Domain.Features.Locations;
using Smackdab.Inventory.Domain.Features.Products;

namespace Smackdab.Inventory.Domain.Features.Events;

/// <summary>
/// Turns the changes a SaveChanges is about to write into events. Deriving them from the change tracker, rather than
/// asking every service to remember to publish, means no change to a product, location, balance, ledger row, allocation
/// or hold can be saved without its event.
/// </summary>
internal static class ChangeCapture
{
    public static List<EventDraft> Capture(ChangeTracker tracker)
    {
        var entries = tracker.Entries().Where(e => e.State is EntityState.Added or EntityState.Modified).ToList();
        if (entries.Count == 0)
        {
            return [];
        }

        var drafts = new List<EventDraft>();
        foreach (var entry in entries)
        {
            switch (entry.Entity)
            {
                case Product product:
                    drafts.Add(ProductEvent(entry, product));
                    break;
                case Location location:
                    drafts.Add(LocationEvent(entry, location));
                    break;
            }
        }

        var transactions = entries.Where(e => e.State == EntityState.Added).Select(e => e.Entity).OfType<InventoryTransaction>().ToList();
        var balances = entries.Where(e => e.Entity is InventoryBalance).ToDictionary(e => BalanceKey((InventoryBalance)e.Entity));
        var allocations = entries.Where(e => e.Entity is Allocation).ToList();
        var holds = entries.Where(e => e.Entity is InventoryHold).ToList();

        foreach (var entry in allocations.Where(e => e.State == EntityState.Added))
        {
            drafts.Add(AllocationEvent(EventTypes.AllocationCreated, (Allocation)entry.Entity, null));
        }

        foreach (var entry in holds)
        {
            drafts.Add(HoldEvent(entry, (InventoryHold)entry.Entity));
        }

        foreach (var row in transactions)
        {
            drafts.Add(TransactionCreated(row));
            balances.TryGetValue((row.OrganizationId, row.ProductId, row.LocationId), out var balanceEntry);
            var allocated = (balanceEntry?.Entity as InventoryBalance)?.Allocated ?? 0;
            drafts.Add(QuantityUpdated(row.OrganizationId, row.ProductId, row.LocationId, row.PreviousOnHand, row.NewOnHand, allocated, row.TransactionType, row.Id));
        }

        // Balances whose allocated moved without a ledger row (allocations, holds): available changed, on_hand did not.
        var booked = transactions.Select(t => (t.OrganizationId, t.ProductId, t.LocationId)).ToHashSet();
        var reason = BalanceOnlyReason(allocations, holds);
        foreach (var (key, entry) in balances)
        {
            var balance = (InventoryBalance)entry.Entity;
            if (booked.Contains(key) || (entry.State == EntityState.Modified && !entry.Property(nameof(InventoryBalance.Allocated)).IsModified))
            {
                continue;
            }

            drafts.Add(QuantityUpdated(balance.OrganizationId, balance.ProductId, balance.LocationId, balance.OnHand, balance.OnHand, balance.Allocated, reason, null));
        }

        foreach (var entry in allocations.Where(e => e.State == EntityState.Modified))
        {
            var allocation = (Allocation)entry.Entity;
            var released = allocation.ReleasedQuantity - (decimal)entry.Property(nameof(Allocation.ReleasedQuantity)).OriginalValue!;
            var fulfilled = allocation.FulfilledQuantity - (decimal)entry.Property(nameof(Allocation.FulfilledQuantity)).OriginalValue!;
            if (released > 0)
            {
                drafts.Add(AllocationEvent(EventTypes.AllocationReleased, allocation, new JsonObject { ["released_quantity"] = released }));
            }

            if (fulfilled > 0)
            {
                var shipment = transactions.FirstOrDefault(t => t.AllocationId == allocation.Id);
                drafts.Add(AllocationEvent(EventTypes.AllocationFulfilled, allocation, new JsonObject
                {
                    ["fulfilled_quantity"] = fulfilled,
                    ["transaction_id"] = shipment?.Id,
                }));
            }
        }

        foreach (var row in transactions)
        {
            if (row.TransactionType == TransactionTypes.Shipment && row.AllocationId is not null)
            {
                drafts.Add(ShipmentConfirmed(row));
            }

            if (row.TransactionType == TransactionTypes.TransferIn && row.TransferId is not null
                && transactions.FirstOrDefault(t => t.TransferId == row.TransferId && t.TransactionType == TransactionTypes.TransferOut) is { } outbound)
            {
                drafts.Add(TransferCompleted(outbound, row));
            }
        }

        return drafts;
    }

    private static (string, string, string) BalanceKey(InventoryBalance b) => (b.OrganizationId, b.ProductId, b.LocationId);

    private static string BalanceOnlyReason(List<EntityEntry> allocations, List<EntityEntry> holds)
    {
        if (allocations.Any(e => e.State == EntityState.Added))
        {
            return ChangeReasons.Allocation;
        }

        if (allocations.Count > 0)
        {
            return ChangeReasons.AllocationRelease;
        }

        if (holds.Any(e => e.State == EntityState.Added))
        {
            return ChangeReasons.Hold;
        }

        return holds.Count > 0 ? ChangeReasons.HoldRelease : ChangeReasons.Allocation;
    }

    private static bool WasDeleted(EntityEntry entry) =>
        entry.State == EntityState.Modified
        && entry.Entity is ISoftDeletable { DeletedAt: not null }
        && entry.Property(nameof(ISoftDeletable.DeletedAt)).OriginalValue is null;

    private static JsonArray ChangedFields(EntityEntry entry) =>
        new(entry.Properties
            .Where(p => p.IsModified && p.Metadata.Name is not (nameof(TenantEntity.UpdatedAt) or nameof(TenantEntity.Version)))
            .Select(p => (JsonNode?)JsonValue.Create(p.Metadata.GetColumnName()))
            .ToArray());

    private static EventDraft ProductEvent(EntityEntry entry, Product product)
    {
        if (WasDeleted(entry))
        {
            return new EventDraft(product.OrganizationId, EventTypes.ProductDeleted, EventResources.Product, product.Id, new JsonObject
            {
                ["id"] = product.Id,
                ["sku"] = product.Sku,
                ["deleted_at"] = product.DeletedAt,
            }) { ProductId = product.Id, ProductCategory = product.Category };
        }

        var data = new JsonObject
        {
            ["id"] = product.Id,
            ["sku"] = product.Sku,
            ["name"] = product.Name,
            ["status"] = product.Status,
            ["category"] = product.Category,
            ["uom"] = product.Uom,
            ["price"] = product.PriceAmount is { } amount ? new JsonObject { ["amount"] = amount, ["currency"] = product.PriceCurrency } : null,
            ["version"] = product.Version,
            ["created_at"] = product.CreatedAt,
            ["updated_at"] = product.UpdatedAt,
        };
        var type = entry.State == EntityState.Added ? EventTypes.ProductCreated : EventTypes.ProductUpdated;
        if (type == EventTypes.ProductUpdated)
        {
            data["changed_fields"] = ChangedFields(entry);
        }

        return new EventDraft(product.OrganizationId, type, EventResources.Product, product.Id, data) { ProductId = product.Id, ProductCategory = product.Category };
    }

    private static EventDraft LocationEvent(EntityEntry entry, Location location)
    {
        JsonObject data;
        string type;
        if (WasDeleted(entry))
        {
            type = EventTypes.LocationDeleted;
            data = new JsonObject
            {
                ["id"] = location.Id,
                ["branch_id"] = location.BranchId,
                ["name"] = location.Name,
                ["deleted_at"] = location.DeletedAt,
            };
        }
        else
        {
            type = entry.State == EntityState.Added ? EventTypes.LocationCreated : EventTypes.LocationUpdated;
            data = new JsonObject
            {
                ["id"] = location.Id,
                ["branch_id"] = location.BranchId,
                ["name"] = location.Name,
                ["code"] = location.Code,
                ["type"] = location.Type,
                ["location_group"] = location.LocationGroup,
                ["version"] = location.Version,
                ["created_at"] = location.CreatedAt,
                ["updated_at"] = location.UpdatedAt,
            };
            if (type == EventTypes.LocationUpdated)
            {
                data["changed_fields"] = ChangedFields(entry);
            }
        }

        return new EventDraft(location.OrganizationId, type, EventResources.Location, location.Id, data)
        {
            LocationId = location.Id,
            BranchId = location.BranchId,
            LocationType = location.Type,
        };
    }

    private static JsonObject Quantity(decimal value, string uom) => new() { ["value"] = value, ["uom"] = uom };

    private static EventDraft TransactionCreated(InventoryTransaction row) =>
        new(row.OrganizationId, EventTypes.TransactionCreated, EventResources.Transaction, row.Id, new JsonObject
        {
            ["transaction_id"] = row.Id,
            ["transaction_type"] = row.TransactionType,
            ["product_id"] = row.ProductId,
            ["location_id"] = row.LocationId,
            ["quantity"] = Quantity(row.InputQuantity, row.InputUom),
            ["quantity_change"] = row.QuantityChange,
            ["previous_quantity"] = row.PreviousOnHand,
            ["current_quantity"] = row.NewOnHand,
            ["unit_cost"] = row.UnitCostAmount is { } cost ? new JsonObject { ["amount"] = cost, ["currency"] = row.UnitCostCurrency } : null,
            ["reason_code"] = row.ReasonCode,
            ["reference"] = row.Reference,
            ["transfer_id"] = row.TransferId,
            ["hold_id"] = row.HoldId,
            ["allocation_id"] = row.AllocationId,
            ["created_at"] = row.CreatedAt,
        }) { ProductId = row.ProductId, LocationId = row.LocationId };

    private static EventDraft QuantityUpdated(
        string organizationId, string productId, string locationId, decimal previous, decimal current, decimal allocated, string reason, string? transactionId) =>
        new(organizationId, EventTypes.QuantityUpdated, EventResources.Balance, $"{productId}:{locationId}", new JsonObject
        {
            ["product_id"] = productId,
            ["sku"] = null,
            ["location_id"] = locationId,
            ["location_name"] = null,
            ["previous_quantity"] = previous,
            ["current_quantity"] = current,
            ["available_quantity"] = current - allocated,
            ["allocated_quantity"] = allocated,
            ["change_reason"] = reason,
            ["transaction_id"] = transactionId,
        }) { ProductId = productId, LocationId = locationId, WithNames = true };

    private static EventDraft AllocationEvent(string type, Allocation allocation, JsonObject? extra)
    {
        var data = new JsonObject
        {
            ["allocation_id"] = allocation.Id,
            ["product_id"] = allocation.ProductId,
            ["location_id"] = allocation.LocationId,
            ["quantity"] = allocation.Quantity,
            ["open_quantity"] = allocation.OpenQuantity,
            ["uom"] = allocation.Uom,
            ["priority"] = allocation.Priority,
            ["status"] = allocation.Status,
            ["reference"] = allocation.Reference,
        };
        foreach (var (key, value) in extra ?? [])
        {
            data[key] = value?.DeepClone();
        }

        return new EventDraft(allocation.OrganizationId, type, EventResources.Allocation, allocation.Id, data)
        {
            ProductId = allocation.ProductId,
            LocationId = allocation.LocationId,
        };
    }

    private static EventDraft ShipmentConfirmed(InventoryTransaction row) =>
        new(row.OrganizationId, EventTypes.ShipmentConfirmed, EventResources.Transaction, row.Id, new JsonObject
        {
            ["shipment_id"] = row.Id,
            ["allocation_id"] = row.AllocationId,
            ["product_id"] = row.ProductId,
            ["location_id"] = row.LocationId,
            ["quantity"] = Quantity(row.InputQuantity, row.InputUom),
            ["reference"] = row.Reference,
            ["tracking_number"] = null,
            ["shipped_at"] = row.CreatedAt,
        }) { ProductId = row.ProductId, LocationId = row.LocationId };

    private static EventDraft TransferCompleted(InventoryTransaction outbound, InventoryTransaction inbound) =>
        new(outbound.OrganizationId, EventTypes.TransferCompleted, EventResources.Transfer, outbound.TransferId!, new JsonObject
        {
            ["transfer_id"] = outbound.TransferId,
            ["product_id"] = outbound.ProductId,
            ["source_location_id"] = outbound.LocationId,
            ["destination_location_id"] = inbound.LocationId,
            ["quantity"] = Quantity(outbound.InputQuantity, outbound.InputUom),
            ["status"] = "completed",
            ["reference"] = outbound.Reference,
            ["outbound_transaction_id"] = outbound.Id,
            ["inbound_transaction_id"] = inbound.Id,
        }) { ProductId = outbound.ProductId, LocationId = outbound.LocationId };

    private static EventDraft HoldEvent(EntityEntry entry, InventoryHold hold)
    {
        var type = entry.State == EntityState.Added ? EventTypes.HoldPrepared : hold.Status switch
        {
            HoldStatuses.Committed => EventTypes.HoldCommitted,
            HoldStatuses.Expired => EventTypes.HoldExpired,
            _ => EventTypes.HoldAborted,
        };
        return new EventDraft(hold.OrganizationId, type, EventResources.Hold, hold.Id, new JsonObject
        {
            ["transaction_id"] = hold.Id,
            ["status"] = hold.Status,
            ["reference"] = hold.Reference,
            ["expires_at"] = hold.ExpiresAt,
            ["completed_at"] = hold.CompletedAt,
            ["operations"] = new JsonArray(hold.Operations.Select(o => (JsonNode?)new JsonObject
            {
                ["type"] = o.Type,
                ["product_id"] = o.ProductId,
                ["location_id"] = o.LocationId,
                ["quantity"] = Quantity(o.InputQuantity, o.InputUom),
            }).ToArray()),
        });
    }
}
