using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Smackdab.Inventory.Domain.Features.Observability;

namespace Smackdab.Inventory.Domain.Data.Configurations;

internal sealed class ApiRequestRollupConfiguration : IEntityTypeConfiguration<ApiRequestRollup>
{
    public void Configure(EntityTypeBuilder<ApiRequestRollup> builder)
    {
        builder.ToTable("api_request_rollups");
        builder.HasKey(r => new { r.OrganizationId, r.Minute, r.Route, r.Method, r.StatusCode, r.ErrorCode });
        builder.Property(r => r.OrganizationId).HasMaxLength(64);
        builder.Property(r => r.Route).HasMaxLength(200);
        builder.Property(r => r.Method).HasMaxLength(16);
        builder.Property(r => r.ErrorCode).HasMaxLength(64);
        // Retention deletes by minute across organizations.
        builder.HasIndex(r => r.Minute);
    }
}
