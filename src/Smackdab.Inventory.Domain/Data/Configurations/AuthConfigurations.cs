using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Smackdab.Inventory.Domain.Features.OAuth;
using Smackdab.Inventory.Domain.Features.Organizations;
using Smackdab.Inventory.Domain.Features.SigningKeys;

namespace Smackdab.Inventory.Domain.Data.Configurations;

internal sealed class SigningKeyConfiguration : IEntityTypeConfiguration<SigningKey>
{
    public void Configure(EntityTypeBuilder<SigningKey> builder)
    {
        builder.ToTable("signing_keys");
        builder.Property(k => k.Id).HasMaxLength(64);
        builder.Property(k => k.Algorithm).HasMaxLength(16);
        builder.HasIndex(k => k.RetiredAt);
    }
}

internal sealed class OAuthClientConfiguration : IEntityTypeConfiguration<OAuthClient>
{
    public void Configure(EntityTypeBuilder<OAuthClient> builder)
    {
        builder.ToTable("oauth_clients");
        builder.Property(c => c.Id).HasMaxLength(64);
        builder.Property(c => c.BranchId).HasMaxLength(64);
        builder.Property(c => c.Name).HasMaxLength(200);
        builder.Property(c => c.SecretPrefix).HasMaxLength(32);
        builder.Property(c => c.SecretHash).HasMaxLength(64);
        builder.HasIndex(c => new { c.OrganizationId, c.CreatedAt });
        builder.HasOne<Organization>().WithMany().HasForeignKey(c => c.OrganizationId);
    }
}

internal sealed class OAuthAuthorizationCodeConfiguration : IEntityTypeConfiguration<OAuthAuthorizationCode>
{
    public void Configure(EntityTypeBuilder<OAuthAuthorizationCode> builder)
    {
        builder.ToTable("oauth_authorization_codes");
        builder.HasKey(c => c.CodeHash);
        builder.Property(c => c.CodeHash).HasMaxLength(64);
        builder.Property(c => c.ClientId).HasMaxLength(64);
        builder.Property(c => c.OrganizationId).HasMaxLength(64);
        builder.Property(c => c.BranchId).HasMaxLength(64);
        builder.Property(c => c.Subject).HasMaxLength(64);
        builder.Property(c => c.RedirectUri).HasMaxLength(2000);
        builder.Property(c => c.CodeChallenge).HasMaxLength(128);
        builder.Property(c => c.GrantId).HasMaxLength(64);
        builder.HasIndex(c => c.ExpiresAt);
        builder.HasOne<OAuthClient>().WithMany().HasForeignKey(c => c.ClientId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class OAuthRefreshTokenConfiguration : IEntityTypeConfiguration<OAuthRefreshToken>
{
    public void Configure(EntityTypeBuilder<OAuthRefreshToken> builder)
    {
        builder.ToTable("oauth_refresh_tokens");
        builder.HasKey(t => t.TokenHash);
        builder.Property(t => t.TokenHash).HasMaxLength(64);
        builder.Property(t => t.GrantId).HasMaxLength(64);
        builder.Property(t => t.ClientId).HasMaxLength(64);
        builder.Property(t => t.OrganizationId).HasMaxLength(64);
        builder.Property(t => t.BranchId).HasMaxLength(64);
        builder.Property(t => t.Subject).HasMaxLength(64);
        builder.HasIndex(t => t.GrantId);
        builder.HasIndex(t => t.ClientId);
        builder.HasIndex(t => t.ExpiresAt);
        builder.HasOne<OAuthClient>().WithMany().HasForeignKey(t => t.ClientId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class OAuthRevocationConfiguration : IEntityTypeConfiguration<OAuthRevocation>
{
    public void Configure(EntityTypeBuilder<OAuthRevocation> builder)
    {
        builder.ToTable("oauth_revocations");
        builder.Property(r => r.Id).HasMaxLength(64);
        builder.Property(r => r.Kind).HasMaxLength(16);
        builder.HasIndex(r => r.ExpiresAt);
    }
}
