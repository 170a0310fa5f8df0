using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Smackdab.Inventory.Domain.Features.Organizations;
using Smackdab.Inventory.Domain.Features.Sync.Exports;

namespace Smackdab.Inventory.Domain.Data.Configurations;

internal sealed class ExportJobConfiguration : IEntityTypeConfiguration<ExportJob>
{
    public void Configure(EntityTypeBuilder<ExportJob> builder)
    {
        builder.ToTable("export_jobs");
        builder.Property(j => j.Id).HasMaxLength(64);
        builder.Property(j => j.BranchId).HasMaxLength(64);
        builder.Property(j => j.Status).HasMaxLength(32);
        builder.Property(j => j.DataType).HasMaxLength(32);
        builder.Property(j => j.Format).HasMaxLength(16);
        builder.Property(j => j.Compression).HasMaxLength(16);
        builder.Property(j => j.ScheduleId).HasMaxLength(64);
        builder.Property(j => j.Sha256).HasMaxLength(64);
        builder.Property(j => j.FileName).HasMaxLength(200);
        builder.Property(j => j.LeaseOwner).HasMaxLength(200);
        builder.Property(j => j.Error).HasMaxLength(2000);
        builder.HasOne<Organization>().WithMany().HasForeignKey(j => j.OrganizationId);
        builder.HasIndex(j => new { j.OrganizationId, j.CreatedAt, j.Id });
        // The worker's queue: jobs still to do, oldest first.
        builder.HasIndex(j => j.CreatedAt).HasFilter("status = 'processing'").HasDatabaseName("ix_export_jobs_queue");
        builder.HasIndex(j => j.ExpiresAt).HasFilter("status = 'completed'").HasDatabaseName("ix_export_jobs_retention");
        builder.HasIndex(j => j.ScheduleId).HasFilter("schedule_id IS NOT NULL");
    }
}
