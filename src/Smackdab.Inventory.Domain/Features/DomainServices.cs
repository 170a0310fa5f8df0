using Microsoft.Extensions.DependencyInjection;
using Smackdab.Inventory.Domain.Features.Allocations;
using Smackdab.Inventory.Domain.Features.ApiKeys;
using Smackdab.Inventory.Domain.Features.Balances;
using Smackdab.Inventory.Domain.Features.Events;
using Smackdab.Inventory.Domain.Features.Ledger;
using Smackdab.Inventory.Domain.Features.Idempotency;
using Smackdab.Inventory.Domain.Features.Locations;
using Smackdab.Inventory.Domain.Features.OAuth;
using Smackdab.Inventory.Domain.Features.Organizations;
using Smackdab.Inventory.Domain.Features.Products;
using Smackdab.Inventory.Domain.Features.Outbound;
using Smackdab.Inventory.Domain.Features.SigningKeys;
using Smackdab.Inventory.Domain.Features.Webhooks;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Domain.Features;

public static class DomainServices
{
    /// <summary>Registers the feature services and the per-request tenant context.</summary>
    public static IServiceCollection AddInventoryDomain(this IServiceCollection services)
    {
        services.AddScoped<TenantContext>();
        services.AddScoped<ITenantContext>(sp => sp.GetRequiredService<TenantContext>());
        services.AddScoped<OrganizationService>();
        services.AddScoped<BranchService>();
        services.AddScoped<ApiKeyService>();
        services.AddScoped<ProductService>();
        services.AddScoped<LocationService>();
        services.AddScoped<LedgerService>();
        services.AddScoped<TransferService>();
        services.AddScoped<HoldService>();
        services.AddScoped<AllocationService>();
        services.AddScoped<InventoryReadService>();
        services.AddScoped<AuditService>();
        services.AddScoped<OrganizationSettingsService>();
        services.AddScoped<IIdempotencyStore, IdempotencyStore>();
        services.AddScoped<SigningKeyService>();
        services.AddScoped<OAuthClientService>();
        services.AddScoped<OAuthGrantService>();
        services.AddScoped<Sync.Exports.ExportService>();
        services.AddSingleton<Sync.Exports.ExportRunner>();
        services.AddScoped<EventReader>();
        services.AddScoped<EventRetention>();
        services.AddScoped<WebhookDeliveryRetention>();
        services.AddSingleton<EventSignal>();
        services.AddSingleton<IOutboundDns, SystemOutboundDns>();
        services.AddSingleton<OutboundUrlGuard>();
        services.AddSingleton<WebhookSecretProtector>();
        services.AddSingleton<WebhookWakeup>();
        services.AddSingleton(new WebhookBackoff(new Random()));
        services.AddScoped<WebhookSubscriptionService>();
        services.AddScoped<WebhookDeliveryService>();
        services.AddScoped<WebhookPerformanceQuery>();
        services.AddScoped<WebhookDeliveryQueue>();
        services.AddScoped<StreamTicketService>();
        services.AddSingleton<Sync.SyncTokenKey>();
        services.AddScoped<Sync.SyncTokens>();
        services.AddScoped<Sync.SyncService>();
        services.AddScoped<WebhookFanOut>();
        services.AddScoped<Sync.Imports.ImportService>();
        services.AddScoped<Sync.Imports.ImportRowChecker>();
        services.AddSingleton<Sync.Imports.ImportRunner>();
        services.AddScoped<Sync.Conflicts.SyncService>();
        services.AddScoped<Sync.Erp.GlAccountService>();
        services.AddScoped<Sync.Erp.CostAdjustmentService>();
        services.AddScoped<Sync.Erp.ErpScheduleService>();
        services.AddSingleton<Sync.Erp.ErpScheduler>();
        return services;
    }
}
