using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Smackdab.Inventory.Domain.Features.Events;
using Smackdab.Inventory.Domain.Features.Organizations;

namespace Smackdab.Inventory.Domain.Data.Configurations;

internal sealed class StoredEventConfiguration : IEntityTypeConfiguration<StoredEvent>
{
    public void Configure(EntityTypeBuilder<StoredEvent> builder)
    {
        builder.ToTable("events");
        builder.HasKey(e => new { e.OrganizationId, e.Sequence });
        builder.Property(e => e.OrganizationId).HasMaxLength(64);
        builder.Property(e => e.Sequence).ValueGeneratedNever();
        builder.Property(e => e.EventId).HasMaxLength(64);
        builder.Property(e => e.EventType).HasMaxLength(64);
        builder.Property(e => e.BranchId).HasMaxLength(64);
        builder.Property(e => e.ResourceType).HasMaxLength(32);
        builder.Property(e => e.ResourceId).HasMaxLength(64);
        builder.Property(e => e.ProductId).HasMaxLength(64);
        builder.Property(e => e.LocationId).HasMaxLength(64);
        builder.Property(e => e.ProductCategory).HasMaxLength(100);
        builder.Property(e => e.LocationType).HasMaxLength(32);
        builder.Property(e => e.Data).HasColumnType("jsonb");
        builder.HasOne<Organization>().WithMany().HasForeignKey(e => e.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(e => e.EventId).IsUnique();
        // Polling by time (GET /v1/inventory/changes?since=) and retention by age.
        builder.HasIndex(e => new { e.OrganizationId, e.OccurredAt });
        builder.HasIndex(e => e.OccurredAt);
    }
}

internal sealed class EventSequenceConfiguration : IEntityTypeConfiguration<EventSequence>
{
    public void Configure(EntityTypeBuilder<EventSequence> builder)
    {
        builder.ToTable("event_sequences");
        builder.HasKey(s => s.OrganizationId);
        builder.Property(s => s.OrganizationId).HasMaxLength(64);
        builder.HasOne<Organization>().WithMany().HasForeignKey(s => s.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}
