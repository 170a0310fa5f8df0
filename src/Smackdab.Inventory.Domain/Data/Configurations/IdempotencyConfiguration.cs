using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Smackdab.Inventory.Domain.Features.Idempotency;
using Smackdab.Inventory.Domain.Features.Organizations;

namespace Smackdab.Inventory.Domain.Data.Configurations;

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> builder)
    {
        builder.ToTable("idempotency_records");
        builder.HasKey(r => new { r.OrganizationId, r.CredentialId, r.Endpoint, r.Key });
        builder.Property(r => r.OrganizationId).HasMaxLength(64);
        builder.Property(r => r.CredentialId).HasMaxLength(200);
        builder.Property(r => r.Endpoint).HasMaxLength(300);
        builder.Property(r => r.Key).HasMaxLength(255);
        builder.Property(r => r.RequestHash).HasMaxLength(80);
        builder.HasOne<Organization>().WithMany().HasForeignKey(r => r.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        // The cleanup job deletes by expiry across organizations.
        builder.HasIndex(r => r.ExpiresAt);
    }
}
