using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Smackdab.Inventory.Domain.Features.Organizations;
using Smackdab.Inventory.Domain.Features.Sync.Conflicts;
using Smackdab.Inventory.Domain.Features.Sync.Erp;
using Smackdab.Inventory.Domain.Features.Sync.Exports;
using Smackdab.Inventory.Domain.Features.Sync.Imports;

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

internal sealed class ImportJobConfiguration : IEntityTypeConfiguration<ImportJob>
{
    public void Configure(EntityTypeBuilder<ImportJob> builder)
    {
        builder.ToTable("import_jobs");
        builder.Property(j => j.Id).HasMaxLength(64);
        builder.Property(j => j.BranchId).HasMaxLength(64);
        builder.Property(j => j.Status).HasMaxLength(32);
        builder.Property(j => j.ImportType).HasMaxLength(32);
        builder.Property(j => j.Format).HasMaxLength(16);
        builder.Property(j => j.MappingId).HasMaxLength(64);
        builder.Property(j => j.ValidationMode).HasMaxLength(16);
        builder.Property(j => j.DuplicateHandling).HasMaxLength(16);
        builder.Property(j => j.Source).HasMaxLength(16);
        builder.Property(j => j.FileName).HasMaxLength(200);
        builder.Property(j => j.FileSha256).HasMaxLength(64);
        builder.Property(j => j.DataUrl).HasMaxLength(2000);
        builder.Property(j => j.SourceSystem).HasMaxLength(100);
        builder.Property(j => j.SourceEncoding).HasMaxLength(32);
        builder.Property(j => j.ErrorHandling).HasMaxLength(16);
        builder.Property(j => j.LeaseOwner).HasMaxLength(200);
        builder.Property(j => j.Error).HasMaxLength(2000);
        builder.HasOne<Organization>().WithMany().HasForeignKey(j => j.OrganizationId);
        builder.HasIndex(j => new { j.OrganizationId, j.CreatedAt, j.Id });
        builder.HasIndex(j => j.CreatedAt).HasFilter("status IN ('validating', 'processing')").HasDatabaseName("ix_import_jobs_queue");
    }
}

internal sealed class ImportErrorConfiguration : IEntityTypeConfiguration<ImportError>
{
    public void Configure(EntityTypeBuilder<ImportError> builder)
    {
        builder.ToTable("import_errors");
        builder.Property(e => e.ImportId).HasMaxLength(64);
        builder.Property(e => e.RecordId).HasMaxLength(200);
        builder.Property(e => e.ErrorType).HasMaxLength(64);
        builder.Property(e => e.ErrorMessage).HasMaxLength(1000);
        builder.Property(e => e.Field).HasMaxLength(100);
        builder.Property(e => e.Value).HasMaxLength(500);
        builder.HasOne<ImportJob>().WithMany().HasForeignKey(e => e.ImportId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(e => new { e.ImportId, e.RowNumber });
    }
}

internal sealed class ImportedRecordKeyConfiguration : IEntityTypeConfiguration<ImportedRecordKey>
{
    public void Configure(EntityTypeBuilder<ImportedRecordKey> builder)
    {
        builder.ToTable("imported_record_keys");
        builder.HasKey(k => new { k.OrganizationId, k.ImportType, k.RecordKey });
        builder.Property(k => k.ImportType).HasMaxLength(32);
        builder.Property(k => k.RecordKey).HasMaxLength(200);
        builder.Property(k => k.ImportId).HasMaxLength(64);
        builder.HasOne<Organization>().WithMany().HasForeignKey(k => k.OrganizationId);
    }
}

internal sealed class ImportMappingConfiguration : IEntityTypeConfiguration<ImportMapping>
{
    public void Configure(EntityTypeBuilder<ImportMapping> builder)
    {
        builder.ToTable("import_mappings");
        builder.Property(m => m.Id).HasMaxLength(64);
        builder.Property(m => m.Name).HasMaxLength(200);
        builder.Property(m => m.ImportType).HasMaxLength(32);
        builder.Property(m => m.Columns).HasColumnType("jsonb").HasConversion(
            columns => System.Text.Json.JsonSerializer.Serialize(columns, (System.Text.Json.JsonSerializerOptions?)null),
            json => System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(json, (System.Text.Json.JsonSerializerOptions?)null) ?? new Dictionary<string, string>(),
            new Microsoft.EntityFrameworkCore.ChangeTracking.ValueComparer<Dictionary<string, string>>(
                (a, b) => a != null && b != null && a.Count == b.Count && !a.Except(b).Any(),
                d => d.Aggregate(0, (hash, pair) => HashCode.Combine(hash, pair.Key, pair.Value)),
                d => new Dictionary<string, string>(d)));
        builder.HasOne<Organization>().WithMany().HasForeignKey(m => m.OrganizationId);
        builder.HasIndex(m => new { m.OrganizationId, m.CreatedAt, m.Id });
    }
}

internal sealed class SyncRuleConfiguration : IEntityTypeConfiguration<SyncRule>
{
    public void Configure(EntityTypeBuilder<SyncRule> builder)
    {
        builder.ToTable("sync_rules");
        builder.Property(r => r.Source).HasMaxLength(64);
        builder.Property(r => r.Field).HasMaxLength(32);
        builder.Property(r => r.Strategy).HasMaxLength(32);
        builder.Property(r => r.ConflictPriority).HasMaxLength(16);
        builder.Property(r => r.AssignedTo).HasMaxLength(100);
        builder.HasOne<Organization>().WithMany().HasForeignKey(r => r.OrganizationId);
        builder.HasIndex(r => new { r.OrganizationId, r.Source, r.Field }).IsUnique();
    }
}

internal sealed class SyncFieldStateConfiguration : IEntityTypeConfiguration<SyncFieldState>
{
    public void Configure(EntityTypeBuilder<SyncFieldState> builder)
    {
        builder.ToTable("sync_field_states");
        builder.HasKey(s => new { s.OrganizationId, s.EntityKey, s.Field });
        builder.Property(s => s.EntityKey).HasMaxLength(200);
        builder.Property(s => s.Field).HasMaxLength(100);
        builder.Property(s => s.Source).HasMaxLength(64);
        builder.Property(s => s.Value).HasMaxLength(4000);
        builder.HasOne<Organization>().WithMany().HasForeignKey(s => s.OrganizationId);
    }
}

internal sealed class SyncConflictConfiguration : IEntityTypeConfiguration<SyncConflict>
{
    public void Configure(EntityTypeBuilder<SyncConflict> builder)
    {
        builder.ToTable("sync_conflicts");
        builder.Property(c => c.Id).HasMaxLength(64);
        builder.Property(c => c.ConflictType).HasMaxLength(64);
        builder.Property(c => c.Field).HasMaxLength(32);
        builder.Property(c => c.ProductId).HasMaxLength(64);
        builder.Property(c => c.LocationId).HasMaxLength(64);
        builder.Property(c => c.Status).HasMaxLength(16);
        builder.Property(c => c.Priority).HasMaxLength(16);
        builder.Property(c => c.AssignedTo).HasMaxLength(100);
        builder.Property(c => c.Proposals).HasColumnType("jsonb");
        builder.Property(c => c.Strategy).HasMaxLength(32);
        builder.Property(c => c.Resolution).HasColumnType("jsonb");
        builder.Property(c => c.ResolvedBy).HasMaxLength(100);
        builder.HasOne<Organization>().WithMany().HasForeignKey(c => c.OrganizationId);
        builder.HasIndex(c => new { c.OrganizationId, c.CreatedAt, c.Id });
        builder.HasIndex(c => new { c.OrganizationId, c.ProductId, c.Field }).HasFilter("status = 'open'");
    }
}

internal sealed class SyncDecisionConfiguration : IEntityTypeConfiguration<SyncDecision>
{
    public void Configure(EntityTypeBuilder<SyncDecision> builder)
    {
        builder.ToTable("sync_decisions");
        builder.Property(d => d.Id).HasMaxLength(64);
        builder.Property(d => d.Source).HasMaxLength(64);
        builder.Property(d => d.ProductId).HasMaxLength(64);
        builder.Property(d => d.LocationId).HasMaxLength(64);
        builder.Property(d => d.Field).HasMaxLength(32);
        builder.Property(d => d.Strategy).HasMaxLength(32);
        builder.Property(d => d.Outcome).HasMaxLength(16);
        builder.Property(d => d.ConflictId).HasMaxLength(64);
        builder.Property(d => d.Detail).HasColumnType("jsonb");
        builder.HasOne<Organization>().WithMany().HasForeignKey(d => d.OrganizationId);
        builder.HasIndex(d => new { d.OrganizationId, d.CreatedAt, d.Id });
    }
}

internal sealed class GlAccountMappingConfiguration : IEntityTypeConfiguration<GlAccountMapping>
{
    public void Configure(EntityTypeBuilder<GlAccountMapping> builder)
    {
        builder.ToTable("gl_account_mappings");
        builder.Property(m => m.TransactionType).HasMaxLength(32);
        builder.Property(m => m.LocationType).HasMaxLength(32);
        builder.Property(m => m.Account).HasMaxLength(64);
        builder.HasOne<Organization>().WithMany().HasForeignKey(m => m.OrganizationId);
        builder.HasIndex(m => new { m.OrganizationId, m.TransactionType, m.LocationType }).IsUnique().AreNullsDistinct(false);
    }
}

internal sealed class CostAdjustmentConfiguration : IEntityTypeConfiguration<CostAdjustment>
{
    public void Configure(EntityTypeBuilder<CostAdjustment> builder)
    {
        builder.ToTable("cost_adjustments");
        builder.Property(a => a.Id).HasMaxLength(64);
        builder.Property(a => a.ProductId).HasMaxLength(64);
        builder.Property(a => a.LocationId).HasMaxLength(64);
        builder.Property(a => a.AdjustmentType).HasMaxLength(32);
        builder.Property(a => a.PreviousCost).HasPrecision(19, 4);
        builder.Property(a => a.NewCost).HasPrecision(19, 4);
        builder.Property(a => a.Currency).HasMaxLength(3);
        builder.Property(a => a.QuantityAffected).HasPrecision(19, 4);
        builder.Property(a => a.TotalImpact).HasPrecision(19, 4);
        builder.Property(a => a.Reason).HasMaxLength(200);
        builder.Property(a => a.ApprovedBy).HasMaxLength(100);
        builder.Property(a => a.TransactionId).HasMaxLength(64);
        builder.HasOne<Organization>().WithMany().HasForeignKey(a => a.OrganizationId);
        builder.HasIndex(a => new { a.OrganizationId, a.CreatedAt, a.Id });
    }
}

internal sealed class ErpExportScheduleConfiguration : IEntityTypeConfiguration<ErpExportSchedule>
{
    public void Configure(EntityTypeBuilder<ErpExportSchedule> builder)
    {
        builder.ToTable("erp_export_schedules");
        builder.Property(s => s.Id).HasMaxLength(64);
        builder.Property(s => s.ExportName).HasMaxLength(100);
        builder.Property(s => s.Cron).HasMaxLength(100);
        builder.Property(s => s.DateRange).HasMaxLength(32);
        builder.Property(s => s.Format).HasMaxLength(16);
        builder.Property(s => s.Compression).HasMaxLength(16);
        builder.Property(s => s.Status).HasMaxLength(16);
        builder.HasOne<Organization>().WithMany().HasForeignKey(s => s.OrganizationId);
        builder.HasIndex(s => new { s.OrganizationId, s.CreatedAt, s.Id });
        builder.HasIndex(s => s.NextRunAt).HasFilter("status = 'active'").HasDatabaseName("ix_erp_export_schedules_due");
    }
}

internal sealed class ErpScheduleRunConfiguration : IEntityTypeConfiguration<ErpScheduleRun>
{
    public void Configure(EntityTypeBuilder<ErpScheduleRun> builder)
    {
        builder.ToTable("erp_schedule_runs");
        builder.Property(r => r.ScheduleId).HasMaxLength(64);
        builder.Property(r => r.ExportId).HasMaxLength(64);
        builder.Property(r => r.RunBy).HasMaxLength(200);
        builder.HasOne<ErpExportSchedule>().WithMany().HasForeignKey(r => r.ScheduleId).OnDelete(DeleteBehavior.Cascade);
        // The guarantee that an occurrence never runs twice, even if two schedulers ever claimed the same schedule.
        builder.HasIndex(r => new { r.ScheduleId, r.ScheduledFor }).IsUnique();
    }
}
