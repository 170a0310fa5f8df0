using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Features.Allocations;
using Smackdab.Inventory.Domain.Features.ApiKeys;
using Smackdab.Inventory.Domain.Features.Balances;
using Smackdab.Inventory.Domain.Features.Events;
using Smackdab.Inventory.Domain.Features.Ledger;
using Smackdab.Inventory.Domain.Features.Idempotency;
using Smackdab.Inventory.Domain.Features.Integrations;
using Smackdab.Inventory.Domain.Features.Locations;
using Smackdab.Inventory.Domain.Features.OAuth;
using Smackdab.Inventory.Domain.Features.Organizations;
using Smackdab.Inventory.Domain.Features.Products;
using Smackdab.Inventory.Domain.Features.SigningKeys;
using Smackdab.Inventory.Domain.Features.Sync.Exports;
using Smackdab.Inventory.Domain.Features.Webhooks;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Domain.Data;

public sealed class InventoryDbContext(DbContextOptions<InventoryDbContext> options, ITenantContext? tenant = null, TimeProvider? clock = null)
    : DbContext(options)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    // Read by the global query filters on every query; EF parameterises them per context instance.
    private string? TenantOrganizationId => tenant?.OrganizationId;

    private string? TenantBranchId => tenant?.BranchId;

    private bool TenantBranchIsolated => tenant?.BranchIsolated ?? false;

    public DbSet<Organization> Organizations => Set<Organization>();

    public DbSet<Branch> Branches => Set<Branch>();

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    public DbSet<Product> Products => Set<Product>();

    public DbSet<Location> Locations => Set<Location>();

    public DbSet<InventoryBalance> InventoryBalances => Set<InventoryBalance>();

    public DbSet<InventoryTransaction> InventoryTransactions => Set<InventoryTransaction>();

    public DbSet<InventoryHold> InventoryHolds => Set<InventoryHold>();

    public DbSet<Allocation> Allocations => Set<Allocation>();

    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();

    // Authentication: signing keys and the OAuth server's tables. Only clients are tenant data; codes, refresh tokens and
    // revocations are looked up by hash or id from the (tenant-less) OAuth endpoints.
    public DbSet<SigningKey> SigningKeys => Set<SigningKey>();

    public DbSet<OAuthClient> OAuthClients => Set<OAuthClient>();

    public DbSet<OAuthAuthorizationCode> OAuthAuthorizationCodes => Set<OAuthAuthorizationCode>();

    public DbSet<OAuthRefreshToken> OAuthRefreshTokens => Set<OAuthRefreshToken>();

    public DbSet<OAuthRevocation> OAuthRevocations => Set<OAuthRevocation>();

    public DbSet<ExportJob> ExportJobs => Set<ExportJob>();
    /// <summary>The change feed's outbox (read it with <see cref="EventReader"/>) and its per-organization counters.</summary>
    public DbSet<StoredEvent> Events => Set<StoredEvent>();

    public DbSet<EventSequence> EventSequences => Set<EventSequence>();

    /// <summary>Single-use stream tickets (looked up by hash, tenant-less like OAuth codes), sync devices and the sync token key.</summary>
    public DbSet<StreamTicket> StreamTickets => Set<StreamTicket>();

    public DbSet<Features.Sync.SyncDevice> SyncDevices => Set<Features.Sync.SyncDevice>();

    public DbSet<Features.Sync.SyncTokenSecret> SyncTokenSecrets => Set<Features.Sync.SyncTokenSecret>();

    /// <summary>Appends events to this context's next SaveChangesAsync; most events are derived from tracked changes without it.</summary>
    public EventOutbox Outbox { get; } = new();

    /// <summary>
    /// Saves the changes and, in the same database transaction, the events that describe them (see <see cref="EventOutbox"/>).
    /// Joins the open transaction or opens one for the save.
    /// </summary>
    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        ChangeTracker.DetectChanges();
        var events = Outbox.Collect(ChangeTracker);
        if (events.Count == 0)
        {
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        }

        var now = _clock.GetUtcNow().UtcDateTime;
        return await this.InTransactionAsync(async () =>
        {
            var saved = await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
            await EventOutbox.WriteAsync(this, events, now, cancellationToken);
            return saved;
        }, cancellationToken);
    }

    /// <summary>Synchronous saves would skip the outbox's asynchronous write: only allowed when there is no event to write.</summary>
    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        ChangeTracker.DetectChanges();
        if (Outbox.HasAppended || ChangeCapture.Capture(ChangeTracker).Count > 0)
        {
            throw new InvalidOperationException("Use SaveChangesAsync: this change writes events to the outbox.");
        }

        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public DbSet<WebhookSubscription> WebhookSubscriptions => Set<WebhookSubscription>();

    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();

    public DbSet<WebhookDeliveryAttempt> WebhookDeliveryAttempts => Set<WebhookDeliveryAttempt>();

    public DbSet<Integration> Integrations => Set<Integration>();

    public DbSet<CircuitBreakerState> CircuitBreakerStates => Set<CircuitBreakerState>();

    public DbSet<CachedResponse> CachedResponses => Set<CachedResponse>();

    public DbSet<IntegrationCall> IntegrationCalls => Set<IntegrationCall>();

    public DbSet<Features.Integrations.Sync.SyncJob> SyncJobs => Set<Features.Integrations.Sync.SyncJob>();

    public DbSet<Features.Sagas.Saga> Sagas => Set<Features.Sagas.Saga>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(InventoryDbContext).Assembly);

        modelBuilder.Entity<Branch>().HasQueryFilter(b => b.OrganizationId == TenantOrganizationId);
        modelBuilder.Entity<ApiKey>().HasQueryFilter(k => k.OrganizationId == TenantOrganizationId);
        modelBuilder.Entity<Product>().HasQueryFilter(p => p.OrganizationId == TenantOrganizationId && p.DeletedAt == null);
        modelBuilder.Entity<Location>().HasQueryFilter(l =>
            l.OrganizationId == TenantOrganizationId
            && l.DeletedAt == null
            && (!TenantBranchIsolated || l.BranchId == TenantBranchId));
        // Stock rows follow their location into branch isolation.
        modelBuilder.Entity<InventoryBalance>().HasQueryFilter(b =>
            b.OrganizationId == TenantOrganizationId
            && (!TenantBranchIsolated || Set<Location>().Any(l => l.Id == b.LocationId && l.BranchId == TenantBranchId)));
        modelBuilder.Entity<InventoryTransaction>().HasQueryFilter(t =>
            t.OrganizationId == TenantOrganizationId
            && (!TenantBranchIsolated || Set<Location>().Any(l => l.Id == t.LocationId && l.BranchId == TenantBranchId)));
        modelBuilder.Entity<Allocation>().HasQueryFilter(a =>
            a.OrganizationId == TenantOrganizationId
            && (!TenantBranchIsolated || Set<Location>().Any(l => l.Id == a.LocationId && l.BranchId == TenantBranchId)));
        modelBuilder.Entity<InventoryHold>().HasQueryFilter(h => h.OrganizationId == TenantOrganizationId);
        // Organization-wide events (products, holds) have no branch and are seen from every branch.
        modelBuilder.Entity<Features.Sync.SyncDevice>().HasQueryFilter(d => d.OrganizationId == TenantOrganizationId);
        modelBuilder.Entity<StoredEvent>().HasQueryFilter(e =>
            e.OrganizationId == TenantOrganizationId && (!TenantBranchIsolated || e.BranchId == null || e.BranchId == TenantBranchId));
        modelBuilder.Entity<IdempotencyRecord>().HasQueryFilter(r => r.OrganizationId == TenantOrganizationId);

        modelBuilder.Entity<InventoryBalance>().HasQueryFilter(b => b.OrganizationId == TenantOrganizationId);
        modelBuilder.Entity<OAuthClient>().HasQueryFilter(c => c.OrganizationId == TenantOrganizationId);
        modelBuilder.Entity<ExportJob>().HasQueryFilter(j =>
            j.OrganizationId == TenantOrganizationId && (!TenantBranchIsolated || j.BranchId == TenantBranchId));
        modelBuilder.Entity<Integration>().HasQueryFilter(i => i.OrganizationId == TenantOrganizationId && i.DeletedAt == null);
        modelBuilder.Entity<IntegrationCall>().HasQueryFilter(c => c.OrganizationId == TenantOrganizationId);
        // A subscription made in branch-isolated mode belongs to that branch; isolated callers see only their branch's.
        modelBuilder.Entity<WebhookSubscription>().HasQueryFilter(s =>
            s.OrganizationId == TenantOrganizationId && (!TenantBranchIsolated || s.BranchId == TenantBranchId));
        modelBuilder.Entity<WebhookDelivery>().HasQueryFilter(d => d.OrganizationId == TenantOrganizationId);
        modelBuilder.Entity<WebhookDeliveryAttempt>().HasQueryFilter(a => a.OrganizationId == TenantOrganizationId);
        modelBuilder.Entity<Features.Integrations.Sync.SyncJob>().HasQueryFilter(j => j.OrganizationId == TenantOrganizationId);
        modelBuilder.Entity<Features.Sagas.Saga>().HasQueryFilter(s => s.OrganizationId == TenantOrganizationId);
    }
}
