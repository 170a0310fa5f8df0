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
        builder.Property(e => e.TraceParent).HasMaxLength(64);
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

internal sealed class StreamTicketConfiguration : IEntityTypeConfiguration<StreamTicket>
{
    public void Configure(EntityTypeBuilder<StreamTicket> builder)
    {
        builder.ToTable("stream_tickets");
        builder.Property(t => t.Id).HasMaxLength(64);
        builder.Property(t => t.OrganizationId).HasMaxLength(64);
        builder.Property(t => t.BranchId).HasMaxLength(64);
        builder.Property(t => t.KeyId).HasMaxLength(64);
        builder.HasOne<Organization>().WithMany().HasForeignKey(t => t.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(t => t.ExpiresAt);
    }
}

internal sealed class SyncDeviceConfiguration : IEntityTypeConfiguration<Smackdab.Inventory.Domain.Features.Sync.SyncDevice>
{
    public void Configure(EntityTypeBuilder<Smackdab.Inventory.Domain.Features.Sync.SyncDevice> builder)
    {
        builder.ToTable("sync_devices");
        builder.HasKey(d => new { d.OrganizationId, d.DeviceId });
        builder.Property(d => d.OrganizationId).HasMaxLength(64);
        builder.Property(d => d.DeviceId).HasMaxLength(200);
        builder.Property(d => d.LastToken).HasMaxLength(500);
        builder.HasOne<Organization>().WithMany().HasForeignKey(d => d.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class SyncTokenSecretConfiguration : IEntityTypeConfiguration<Smackdab.Inventory.Domain.Features.Sync.SyncTokenSecret>
{
    public void Configure(EntityTypeBuilder<Smackdab.Inventory.Domain.Features.Sync.SyncTokenSecret> builder)
    {
        builder.ToTable("sync_token_secrets");
        builder.Property(s => s.Id).ValueGeneratedNever();
    }
}
