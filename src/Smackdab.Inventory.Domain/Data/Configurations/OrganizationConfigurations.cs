using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Smackdab.Inventory.Domain.Features.ApiKeys;
using Smackdab.Inventory.Domain.Features.Organizations;

namespace Smackdab.Inventory.Domain.Data.Configurations;

internal sealed class OrganizationConfiguration : IEntityTypeConfiguration<Organization>
{
    public void Configure(EntityTypeBuilder<Organization> builder)
    {
        builder.ToTable("organizations");
        builder.Property(o => o.Id).HasMaxLength(64);
        builder.Property(o => o.Name).HasMaxLength(200);
        builder.Property(o => o.DefaultBranchId).HasMaxLength(64);
        // Database defaults for existing rows; EF always writes the entity's value (ValueGeneratedNever), so false is kept.
        builder.Property(o => o.RequireIdempotencyForInventory).HasDefaultValue(true).ValueGeneratedNever();
        builder.Property(o => o.RateLimitTier).HasMaxLength(32).HasDefaultValue(OrganizationDefaults.RateLimitTier).ValueGeneratedNever();
    }
}

internal sealed class BranchConfiguration : IEntityTypeConfiguration<Branch>
{
    public void Configure(EntityTypeBuilder<Branch> builder)
    {
        builder.ToTable("branches");
        builder.Property(b => b.Id).HasMaxLength(64);
        builder.Property(b => b.Name).HasMaxLength(200);
        builder.HasOne<Organization>().WithMany().HasForeignKey(b => b.OrganizationId);
        builder.HasIndex(b => b.OrganizationId);
    }
}

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> builder)
    {
        builder.ToTable("api_keys");
        builder.Property(k => k.Id).HasMaxLength(64);
        builder.Property(k => k.Name).HasMaxLength(200);
        builder.Property(k => k.Prefix).HasMaxLength(32);
        builder.Property(k => k.SecretHash).HasMaxLength(64);
        builder.HasIndex(k => k.SecretHash).IsUnique();
        builder.HasIndex(k => new { k.OrganizationId, k.CreatedAt });
        builder.HasOne<Organization>().WithMany().HasForeignKey(k => k.OrganizationId);
    }
}
