using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Smackdab.Inventory.Domain.Features.Balances;
using Smackdab.Inventory.Domain.Features.Locations;
using Smackdab.Inventory.Domain.Features.Organizations;
using Smackdab.Inventory.Domain.Features.Products;

namespace Smackdab.Inventory.Domain.Data.Configurations;

internal sealed class ProductConfiguration : IEntityTypeConfiguration<Product>
{
    public void Configure(EntityTypeBuilder<Product> builder)
    {
        builder.ToTable("products");
        builder.Property(p => p.Id).HasMaxLength(64);
        builder.Property(p => p.Sku).HasMaxLength(100);
        builder.Property(p => p.Name).HasMaxLength(300);
        builder.Property(p => p.Status).HasMaxLength(32);
        builder.Property(p => p.Category).HasMaxLength(100);
        builder.Property(p => p.Description).HasMaxLength(4000);
        builder.Property(p => p.PriceAmount).HasPrecision(19, 4);
        builder.Property(p => p.PriceCurrency).HasMaxLength(3);
        builder.Property(p => p.Uom).HasMaxLength(32);
        builder.OwnsMany(p => p.Units, units => units.ToJson("units"));
        builder.Property(p => p.Version).IsConcurrencyToken();
        builder.HasOne<Organization>().WithMany().HasForeignKey(p => p.OrganizationId);
        // A SKU is unique among live products; a deleted product frees its SKU.
        builder.HasIndex(p => new { p.OrganizationId, p.Sku }).IsUnique().HasFilter("deleted_at IS NULL");
        builder.HasIndex(p => new { p.OrganizationId, p.CreatedAt, p.Id });
        builder.HasIndex(p => new { p.OrganizationId, p.UpdatedAt });
    }
}

internal sealed class LocationConfiguration : IEntityTypeConfiguration<Location>
{
    public void Configure(EntityTypeBuilder<Location> builder)
    {
        builder.ToTable("locations");
        builder.Property(l => l.Id).HasMaxLength(64);
        builder.Property(l => l.BranchId).HasMaxLength(64);
        builder.Property(l => l.Name).HasMaxLength(200);
        builder.Property(l => l.Code).HasMaxLength(64);
        builder.Property(l => l.Type).HasMaxLength(32);
        builder.Property(l => l.LocationGroup).HasMaxLength(100);
        builder.Property(l => l.Version).IsConcurrencyToken();
        builder.OwnsOne(l => l.Address, address =>
        {
            address.Property(a => a.Line1).HasColumnName("address_line1").HasMaxLength(200);
            address.Property(a => a.Line2).HasColumnName("address_line2").HasMaxLength(200);
            address.Property(a => a.City).HasColumnName("address_city").HasMaxLength(100);
            address.Property(a => a.Region).HasColumnName("address_region").HasMaxLength(100);
            address.Property(a => a.PostalCode).HasColumnName("address_postal_code").HasMaxLength(32);
            address.Property(a => a.Country).HasColumnName("address_country").HasMaxLength(2);
        });
        builder.Navigation(l => l.Address).IsRequired();
        builder.HasOne<Organization>().WithMany().HasForeignKey(l => l.OrganizationId);
        builder.HasOne<Branch>().WithMany().HasForeignKey(l => l.BranchId);
        builder.HasIndex(l => new { l.OrganizationId, l.Code }).IsUnique().HasFilter("deleted_at IS NULL AND code IS NOT NULL");
        builder.HasIndex(l => new { l.OrganizationId, l.CreatedAt, l.Id });
    }
}

internal sealed class InventoryBalanceConfiguration : IEntityTypeConfiguration<InventoryBalance>
{
    public void Configure(EntityTypeBuilder<InventoryBalance> builder)
    {
        builder.ToTable("inventory_balances", t => t.HasCheckConstraint("ck_inventory_balances_allocated_nonnegative", "allocated >= 0"));
        builder.Property(b => b.OnHand).HasPrecision(19, 4);
        builder.Property(b => b.Allocated).HasPrecision(19, 4);
        builder.Property(b => b.AverageUnitCost).HasPrecision(19, 4);
        builder.Property(b => b.CostCurrency).HasMaxLength(3);
        builder.Property(b => b.Version).IsConcurrencyToken();
        builder.Ignore(b => b.Available);
        builder.HasOne<Organization>().WithMany().HasForeignKey(b => b.OrganizationId);
        builder.HasOne<Product>().WithMany().HasForeignKey(b => b.ProductId);
        builder.HasOne<Location>().WithMany().HasForeignKey(b => b.LocationId);
        builder.HasIndex(b => new { b.OrganizationId, b.ProductId, b.LocationId }).IsUnique();
        builder.HasIndex(b => new { b.OrganizationId, b.LocationId });
    }
}
