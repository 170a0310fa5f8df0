using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Smackdab.Inventory.Domain.Features.Allocations;
using Smackdab.Inventory.Domain.Features.Ledger;
using Smackdab.Inventory.Domain.Features.Locations;
using Smackdab.Inventory.Domain.Features.Organizations;
using Smackdab.Inventory.Domain.Features.Products;

namespace Smackdab.Inventory.Domain.Data.Configurations;

internal sealed class InventoryTransactionConfiguration : IEntityTypeConfiguration<InventoryTransaction>
{
    public void Configure(EntityTypeBuilder<InventoryTransaction> builder)
    {
        builder.ToTable("inventory_transactions");
        builder.Property(t => t.Id).HasMaxLength(64);
        builder.Property(t => t.TransactionType).HasMaxLength(32);
        builder.Property(t => t.QuantityChange).HasPrecision(19, 4);
        builder.Property(t => t.InputQuantity).HasPrecision(19, 4);
        builder.Property(t => t.InputUom).HasMaxLength(32);
        builder.Property(t => t.PreviousOnHand).HasPrecision(19, 4);
        builder.Property(t => t.NewOnHand).HasPrecision(19, 4);
        builder.Property(t => t.UnitCostAmount).HasPrecision(19, 4);
        builder.Property(t => t.UnitCostCurrency).HasMaxLength(3);
        builder.Property(t => t.ReasonCode).HasMaxLength(32);
        builder.Property(t => t.Reference).HasMaxLength(200);
        builder.Property(t => t.Notes).HasMaxLength(2000);
        builder.Property(t => t.Status).HasMaxLength(32);
        builder.HasOne<Organization>().WithMany().HasForeignKey(t => t.OrganizationId);
        builder.HasOne<Product>().WithMany().HasForeignKey(t => t.ProductId);
        builder.HasOne<Location>().WithMany().HasForeignKey(t => t.LocationId);
        builder.HasIndex(t => new { t.OrganizationId, t.CreatedAt, t.Id });
        builder.HasIndex(t => new { t.OrganizationId, t.ProductId, t.LocationId });
        builder.HasIndex(t => t.TransferId).HasFilter("transfer_id IS NOT NULL");
        builder.HasIndex(t => t.HoldId).HasFilter("hold_id IS NOT NULL");
        builder.HasIndex(t => t.AllocationId).HasFilter("allocation_id IS NOT NULL");
    }
}

internal sealed class InventoryHoldConfiguration : IEntityTypeConfiguration<InventoryHold>
{
    public void Configure(EntityTypeBuilder<InventoryHold> builder)
    {
        builder.ToTable("inventory_holds");
        // Ids are chosen by clients (transaction_id), so they are unique per organization, not across organizations.
        builder.HasKey(h => new { h.OrganizationId, h.Id });
        builder.Property(h => h.Id).HasMaxLength(64);
        builder.Property(h => h.BranchId).HasMaxLength(64);
        builder.Property(h => h.Status).HasMaxLength(32);
        builder.Property(h => h.Reference).HasMaxLength(200);
        builder.OwnsMany(h => h.Operations, operations => operations.ToJson("operations"));
        builder.HasOne<Organization>().WithMany().HasForeignKey(h => h.OrganizationId);
        builder.HasIndex(h => new { h.Status, h.ExpiresAt });
    }
}

internal sealed class AllocationConfiguration : IEntityTypeConfiguration<Allocation>
{
    public void Configure(EntityTypeBuilder<Allocation> builder)
    {
        builder.ToTable("allocations", t => t.HasCheckConstraint(
            "ck_allocations_quantities", "released_quantity >= 0 AND fulfilled_quantity >= 0 AND released_quantity + fulfilled_quantity <= quantity"));
        builder.Property(a => a.Id).HasMaxLength(64);
        builder.Property(a => a.Quantity).HasPrecision(19, 4);
        builder.Property(a => a.ReleasedQuantity).HasPrecision(19, 4);
        builder.Property(a => a.FulfilledQuantity).HasPrecision(19, 4);
        builder.Property(a => a.Uom).HasMaxLength(32);
        builder.Property(a => a.Priority).HasMaxLength(16);
        builder.Property(a => a.Status).HasMaxLength(16);
        builder.Property(a => a.Reference).HasMaxLength(200);
        builder.Property(a => a.Version).IsConcurrencyToken();
        builder.Ignore(a => a.OpenQuantity);
        builder.HasOne<Organization>().WithMany().HasForeignKey(a => a.OrganizationId);
        builder.HasOne<Product>().WithMany().HasForeignKey(a => a.ProductId);
        builder.HasOne<Location>().WithMany().HasForeignKey(a => a.LocationId);
        builder.HasIndex(a => new { a.OrganizationId, a.CreatedAt, a.Id });
        builder.HasIndex(a => new { a.OrganizationId, a.ProductId, a.LocationId, a.Status });
    }
}
