using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Smackdab.Inventory.Api.Hosting;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Webhooks;

namespace Smackdab.Inventory.Tests.Integration.Webhooks;

/// <summary>The housekeeping pass deletes old settled deliveries (with their attempts) and expired stream tickets, nothing else.</summary>
public sealed class WebhookRetentionTests(RealClockFixture host) : IClassFixture<RealClockFixture>
{
    [Fact]
    public async Task Old_settled_deliveries_and_expired_tickets_are_deleted_while_pending_and_recent_ones_stay()
    {
        var subscriber = await host.SubscribeAsync();
        var oldDelivered = await subscriber.EnqueueAsync();
        var recentDelivered = await subscriber.EnqueueAsync();
        await subscriber.WaitForDeliveryAsync(oldDelivered, d => d.GetProperty("status").GetString() == "delivered");
        await subscriber.WaitForDeliveryAsync(recentDelivered, d => d.GetProperty("status").GetString() == "delivered");

        using var ticketResponse = await subscriber.Client.PostAsync("/v1/stream-tickets", null);
        await Envelopes.SuccessAsync(ticketResponse, HttpStatusCode.Created);

        await using var scope = host.Api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        var organizationId = subscriber.Tenant.OrganizationId;
        var longAgo = DateTime.UtcNow.AddDays(-40);
        await db.WebhookDeliveries.IgnoreQueryFilters().Where(d => d.EventId == oldDelivered).ExecuteUpdateAsync(s => s.SetProperty(d => d.CreatedAt, longAgo));
        // An old delivery still pending (e.g. its receiver is down) is never deleted. It is made pending again after its
        // delivery, with its next attempt tomorrow, so that the worker cannot settle it meanwhile.
        var oldPending = await subscriber.EnqueueAsync();
        await subscriber.WaitForDeliveryAsync(oldPending, d => d.GetProperty("status").GetString() == "delivered");
        await db.WebhookDeliveries.IgnoreQueryFilters().Where(d => d.EventId == oldPending).ExecuteUpdateAsync(s => s
            .SetProperty(d => d.Status, WebhookDeliveryStatuses.Pending)
            .SetProperty(d => d.DeliveredAt, (DateTime?)null)
            .SetProperty(d => d.CreatedAt, longAgo)
            .SetProperty(d => d.NextAttemptAt, DateTime.UtcNow.AddDays(1)));
        var oldDeliveryId = await db.WebhookDeliveries.IgnoreQueryFilters().Where(d => d.EventId == oldDelivered).Select(d => d.Id).SingleAsync();
        Assert.True(await db.WebhookDeliveryAttempts.IgnoreQueryFilters().AnyAsync(a => a.DeliveryId == oldDeliveryId));
        await db.StreamTickets.Where(t => t.OrganizationId == organizationId).ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, DateTime.UtcNow.AddHours(-2)));

        var worker = host.Api.Services.GetServices<IHostedService>().OfType<EventRetentionWorker>().Single();
        await worker.RunOnceAsync(CancellationToken.None);

        var left = await db.WebhookDeliveries.IgnoreQueryFilters().Where(d => d.OrganizationId == organizationId).Select(d => d.EventId).ToListAsync();
        Assert.Equal(new[] { oldPending, recentDelivered }.Order(), left.Order());
        Assert.False(await db.WebhookDeliveryAttempts.IgnoreQueryFilters().AnyAsync(a => a.DeliveryId == oldDeliveryId));
        Assert.False(await db.StreamTickets.AnyAsync(t => t.OrganizationId == organizationId));
    }
}
