using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Smackdab.Inventory.Domain.Features.Organizations;
using Smackdab.Inventory.Domain.Features.Webhooks;

namespace Smackdab.Inventory.Domain.Data.Configurations;

internal sealed class WebhookSubscriptionConfiguration : IEntityTypeConfiguration<WebhookSubscription>
{
    public void Configure(EntityTypeBuilder<WebhookSubscription> builder)
    {
        builder.ToTable("webhook_subscriptions");
        builder.Property(s => s.Id).HasMaxLength(64);
        builder.Property(s => s.OrganizationId).HasMaxLength(64);
        builder.Property(s => s.BranchId).HasMaxLength(64);
        builder.Property(s => s.Url).HasMaxLength(2000);
        builder.Property(s => s.Description).HasMaxLength(500);
        builder.Property(s => s.BackoffStrategy).HasMaxLength(16);
        builder.Property(s => s.Status).HasMaxLength(16);
        builder.Property(s => s.DisabledReason).HasMaxLength(200);
        builder.Property(s => s.SecretCiphertext).HasMaxLength(500);
        builder.Property(s => s.PreviousSecretCiphertext).HasMaxLength(500);
        builder.Property(s => s.Version).IsConcurrencyToken();
        builder.HasOne<Organization>().WithMany().HasForeignKey(s => s.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(s => new { s.OrganizationId, s.CreatedAt, s.Id });
        // The fan-out walks active subscriptions.
        builder.HasIndex(s => new { s.Status, s.OrganizationId });
    }
}

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> builder)
    {
        builder.ToTable("webhook_deliveries");
        builder.Property(d => d.Id).HasMaxLength(64);
        builder.Property(d => d.OrganizationId).HasMaxLength(64);
        builder.Property(d => d.SubscriptionId).HasMaxLength(64);
        builder.Property(d => d.EventId).HasMaxLength(64);
        builder.Property(d => d.EventType).HasMaxLength(100);
        builder.Property(d => d.OrderingKey).HasMaxLength(200);
        builder.Property(d => d.Status).HasMaxLength(16);
        builder.Property(d => d.LastError).HasMaxLength(500);
        builder.Ignore(d => d.AttemptLog);
        builder.HasOne<WebhookSubscription>().WithMany().HasForeignKey(d => d.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
        // The live fan-out delivers an event to a subscription once; replays add rows of their own.
        builder.HasIndex(d => new { d.SubscriptionId, d.EventSequence }).IsUnique().HasFilter("NOT is_replay");
        // The claim: due pending deliveries, and the "older pending delivery of the same resource" check.
        builder.HasIndex(d => new { d.NextAttemptAt }).HasFilter("status = 'pending'");
        builder.HasIndex(d => new { d.SubscriptionId, d.OrderingKey, d.EventSequence }).HasFilter("status = 'pending'");
        builder.HasIndex(d => new { d.SubscriptionId, d.CreatedAt, d.Id });
    }
}

internal sealed class WebhookDeliveryAttemptConfiguration : IEntityTypeConfiguration<WebhookDeliveryAttempt>
{
    public void Configure(EntityTypeBuilder<WebhookDeliveryAttempt> builder)
    {
        builder.ToTable("webhook_delivery_attempts");
        builder.Property(a => a.DeliveryId).HasMaxLength(64);
        builder.Property(a => a.OrganizationId).HasMaxLength(64);
        builder.Property(a => a.SubscriptionId).HasMaxLength(64);
        builder.Property(a => a.Error).HasMaxLength(500);
        builder.HasOne<WebhookDelivery>().WithMany().HasForeignKey(a => a.DeliveryId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(a => new { a.DeliveryId, a.Number });
        builder.HasIndex(a => new { a.SubscriptionId, a.AttemptedAt });
    }
}
