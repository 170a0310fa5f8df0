using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Smackdab.Inventory.Domain.Features.Integrations;
using Smackdab.Inventory.Domain.Features.Organizations;

namespace Smackdab.Inventory.Domain.Data.Configurations;

internal sealed class IntegrationConfiguration : IEntityTypeConfiguration<Integration>
{
    public void Configure(EntityTypeBuilder<Integration> builder)
    {
        builder.ToTable("integrations");
        builder.Property(i => i.Id).HasMaxLength(64);
        builder.Property(i => i.Name).HasMaxLength(200);
        builder.Property(i => i.Type).HasMaxLength(32);
        builder.Property(i => i.Provider).HasMaxLength(100);
        builder.Property(i => i.BaseUrl).HasMaxLength(2000);
        builder.Property(i => i.HealthPath).HasMaxLength(500);
        builder.Property(i => i.EventsPath).HasMaxLength(500);
        builder.Property(i => i.Status).HasMaxLength(32);
        builder.Property(i => i.AuthType).HasMaxLength(32);
        builder.Property(i => i.Version).IsConcurrencyToken();
        builder.OwnsOne(i => i.RetryPolicy, p => p.ToJson("retry_policy"));
        builder.OwnsOne(i => i.CircuitBreaker, p => p.ToJson("circuit_breaker"));
        builder.HasOne<Organization>().WithMany().HasForeignKey(i => i.OrganizationId);
        builder.HasIndex(i => new { i.OrganizationId, i.Name }).IsUnique().HasFilter("deleted_at IS NULL");
        builder.HasIndex(i => new { i.OrganizationId, i.CreatedAt, i.Id });
    }
}

internal sealed class CircuitBreakerStateConfiguration : IEntityTypeConfiguration<CircuitBreakerState>
{
    public void Configure(EntityTypeBuilder<CircuitBreakerState> builder)
    {
        builder.ToTable("integration_circuit_breakers");
        builder.HasKey(s => s.IntegrationId);
        builder.Property(s => s.IntegrationId).HasMaxLength(64);
        builder.Property(s => s.OrganizationId).HasMaxLength(64);
        builder.Property(s => s.State).HasMaxLength(16);
        builder.Property(s => s.LastFailureClass).HasMaxLength(64);
        builder.HasOne<Integration>().WithOne().HasForeignKey<CircuitBreakerState>(s => s.IntegrationId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class CachedResponseConfiguration : IEntityTypeConfiguration<CachedResponse>
{
    public void Configure(EntityTypeBuilder<CachedResponse> builder)
    {
        builder.ToTable("integration_cached_responses");
        builder.HasKey(c => new { c.IntegrationId, c.RequestKey });
        builder.Property(c => c.IntegrationId).HasMaxLength(64);
        builder.Property(c => c.RequestKey).HasMaxLength(2100);
        builder.Property(c => c.ContentType).HasMaxLength(200);
        builder.HasOne<Integration>().WithMany().HasForeignKey(c => c.IntegrationId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class IntegrationCallConfiguration : IEntityTypeConfiguration<IntegrationCall>
{
    public void Configure(EntityTypeBuilder<IntegrationCall> builder)
    {
        builder.ToTable("integration_calls");
        builder.Property(c => c.OrganizationId).HasMaxLength(64);
        builder.Property(c => c.IntegrationId).HasMaxLength(64);
        builder.Property(c => c.Method).HasMaxLength(16);
        builder.Property(c => c.Path).HasMaxLength(2000);
        builder.Property(c => c.ErrorClass).HasMaxLength(64);
        builder.HasIndex(c => new { c.OrganizationId, c.At });
        builder.HasIndex(c => new { c.IntegrationId, c.At });
        builder.HasOne<Integration>().WithMany().HasForeignKey(c => c.IntegrationId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class SyncJobConfiguration : IEntityTypeConfiguration<Features.Integrations.Sync.SyncJob>
{
    public void Configure(EntityTypeBuilder<Features.Integrations.Sync.SyncJob> builder)
    {
        builder.ToTable("sync_jobs");
        builder.Property(j => j.Id).HasMaxLength(64);
        builder.Property(j => j.IntegrationId).HasMaxLength(64);
        builder.Property(j => j.Status).HasMaxLength(16);
        builder.Property(j => j.Priority).HasMaxLength(16);
        builder.Property(j => j.CursorId).HasMaxLength(64);
        builder.Property(j => j.LastError).HasMaxLength(1000);
        builder.Property(j => j.LeaseOwner).HasMaxLength(64);
        builder.HasOne<Integration>().WithMany().HasForeignKey(j => j.IntegrationId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(j => new { j.OrganizationId, j.IntegrationId, j.CreatedAt });
        builder.HasIndex(j => new { j.Status, j.LeaseExpiresAt });
    }
}

internal sealed class SagaConfiguration : IEntityTypeConfiguration<Features.Sagas.Saga>
{
    public void Configure(EntityTypeBuilder<Features.Sagas.Saga> builder)
    {
        builder.ToTable("sagas");
        builder.Property(s => s.Id).HasMaxLength(64);
        builder.Property(s => s.Type).HasMaxLength(32);
        builder.Property(s => s.Status).HasMaxLength(16);
        builder.Property(s => s.BranchId).HasMaxLength(64);
        builder.Property(s => s.IntegrationId).HasMaxLength(64);
        builder.Property(s => s.ProductId).HasMaxLength(64);
        builder.Property(s => s.LocationId).HasMaxLength(64);
        builder.Property(s => s.QuantityValue).HasPrecision(19, 4);
        builder.Property(s => s.QuantityUom).HasMaxLength(32);
        builder.Property(s => s.Reference).HasMaxLength(200);
        builder.Property(s => s.ExternalPath).HasMaxLength(500);
        builder.Property(s => s.LeaseOwner).HasMaxLength(64);
        builder.Ignore(s => s.Steps);
        builder.Property(s => s.StepsJson).HasColumnName("steps").HasColumnType("jsonb");
        builder.HasIndex(s => new { s.OrganizationId, s.CreatedAt });
        builder.HasIndex(s => new { s.Status, s.LeaseExpiresAt });
    }
}

internal sealed class IntegrationPushConfiguration : IEntityTypeConfiguration<Features.Integrations.Push.IntegrationPush>
{
    public void Configure(EntityTypeBuilder<Features.Integrations.Push.IntegrationPush> builder)
    {
        builder.ToTable("integration_pushes");
        builder.HasKey(p => p.IntegrationId);
        builder.Property(p => p.IntegrationId).HasMaxLength(64);
        builder.Property(p => p.OrganizationId).HasMaxLength(64);
        builder.Property(p => p.LastPushedEventId).HasMaxLength(64);
        builder.Property(p => p.LastError).HasMaxLength(1000);
        builder.Property(p => p.LeaseOwner).HasMaxLength(64);
        builder.HasOne<Integration>().WithOne().HasForeignKey<Features.Integrations.Push.IntegrationPush>(p => p.IntegrationId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Organization>().WithMany().HasForeignKey(p => p.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        // The claim's scan: enabled pushes by when they are due.
        builder.HasIndex(p => p.NextAttemptAt).HasFilter("enabled");
    }
}
