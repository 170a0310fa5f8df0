using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Common;
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
using Smackdab.Inventory.Domain.Features.Sync.Conflicts;
using Smackdab.Inventory.Domain.Features.Sync.Erp;
using Smackdab.Inventory.Domain.Features.Sync.Exports;
using Smackdab.Inventory.Domain.Features.Webhooks;
using Smackdab.Inventory.Domain.Features.Sync.Imports;
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

    public DbSet<ImportJob> ImportJobs => Set<ImportJob>();

    public DbSet<ImportError> ImportErrors => Set<ImportError>();

    public DbSet<ImportedRecordKey> ImportedRecordKeys => Set<ImportedRecordKey>();

    public DbSet<ImportMapping> ImportMappings => Set<ImportMapping>();

    public DbSet<SyncRule> SyncRules => Set<SyncRule>();

    public DbSet<SyncFieldState> SyncFieldStates => Set<SyncFieldState>();

    public DbSet<SyncConflict> SyncConflicts => Set<SyncConflict>();

    public DbSet<SyncDecision> SyncDecisions => Set<SyncDecision>();

    public DbSet<GlAccountMapping> GlAccountMappings => Set<GlAccountMapping>();

    public DbSet<CostAdjustment> CostAdjustments => Set<CostAdjustment>();

    public DbSet<ErpExportSchedule> ErpExportSchedules => Set<ErpExportSchedule>();

    public DbSet<ErpScheduleRun> ErpScheduleRuns => Set<ErpScheduleRun>();

    public DbSet<Features.Integrations.Sync.SyncJob> SyncJobs => Set<Features.Integrations.Sync.SyncJob>();

    public DbSet<Features.Integrations.Push.IntegrationPush> IntegrationPushes => Set<Features.Integrations.Push.IntegrationPush>();

    public DbSet<Features.Sagas.Saga> Sagas => Set<Features.Sagas.Saga>();

    public DbSet<Features.Observability.ApiRequestRollup> ApiRequestRollups => Set<Features.Observability.ApiRequestRollup>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(InventoryDbContext).Assembly);

        // Every filter is named and applied here, in one loop, from what the entity declares it is (ITenantOwned, IBranchOwned,
        // IBranchTagged, ILocationScoped, ISoftDeletable). A named filter cannot silently replace another; the model test checks coverage.
        foreach (var clrType in modelBuilder.Model.GetEntityTypes().Where(t => !t.IsOwned()).Select(t => t.ClrType).Distinct().ToList())
        {
            ApplyFilterMethod.MakeGenericMethod(clrType).Invoke(this, [modelBuilder]);
        }
    }

    private static readonly System.Reflection.MethodInfo ApplyFilterMethod =
        typeof(InventoryDbContext).GetMethod(nameof(ApplyQueryFilters), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;

    private void ApplyQueryFilters<T>(ModelBuilder modelBuilder)
        where T : class
    {
        var entity = modelBuilder.Entity<T>();
        if (typeof(ITenantOwned).IsAssignableFrom(typeof(T)))
        {
            entity.HasQueryFilter(QueryFilterNames.Tenant, Filter<T, ITenantOwned>(e => e.OrganizationId == TenantOrganizationId));
        }

        if (typeof(IBranchOwned).IsAssignableFrom(typeof(T)))
        {
            entity.HasQueryFilter(QueryFilterNames.Branch, Filter<T, IBranchOwned>(e => !TenantBranchIsolated || e.BranchId == TenantBranchId));
        }
        else if (typeof(IBranchTagged).IsAssignableFrom(typeof(T)))
        {
            entity.HasQueryFilter(QueryFilterNames.Branch, Filter<T, IBranchTagged>(e => !TenantBranchIsolated || e.BranchId == null || e.BranchId == TenantBranchId));
        }
        else if (typeof(ILocationScoped).IsAssignableFrom(typeof(T)))
        {
            // Stock rows follow their location into branch isolation.
            entity.HasQueryFilter(QueryFilterNames.Branch, Filter<T, ILocationScoped>(e =>
                !TenantBranchIsolated || Set<Location>().Any(l => l.Id == e.LocationId && l.BranchId == TenantBranchId)));
        }

        if (typeof(ISoftDeletable).IsAssignableFrom(typeof(T)))
        {
            entity.HasQueryFilter(QueryFilterNames.SoftDelete, Filter<T, ISoftDeletable>(e => e.DeletedAt == null));
        }
    }

    // Rewrites a filter written against the interface into one over the entity type, without casts EF would have to strip.
    private static System.Linq.Expressions.Expression<Func<T, bool>> Filter<T, TInterface>(System.Linq.Expressions.Expression<Func<TInterface, bool>> filter)
    {
        var parameter = System.Linq.Expressions.Expression.Parameter(typeof(T), filter.Parameters[0].Name);
        var body = new InterfaceMemberRewriter(filter.Parameters[0], parameter).Visit(filter.Body);
        return System.Linq.Expressions.Expression.Lambda<Func<T, bool>>(body, parameter);
    }

    private sealed class InterfaceMemberRewriter(System.Linq.Expressions.ParameterExpression from, System.Linq.Expressions.ParameterExpression to)
        : System.Linq.Expressions.ExpressionVisitor
    {
        protected override System.Linq.Expressions.Expression VisitMember(System.Linq.Expressions.MemberExpression node)
        {
            if (node.Expression == from)
            {
                return System.Linq.Expressions.Expression.Property(to, node.Member.Name);
            }

            return base.VisitMember(node);
        }

        protected override System.Linq.Expressions.Expression VisitParameter(System.Linq.Expressions.ParameterExpression node) => node == from ? to : node;
    }
}

/// <summary>The names of the global query filters, for <c>IgnoreQueryFilters([...])</c> that drops only one of them.</summary>
public static class QueryFilterNames
{
    public const string Tenant = "Tenant";
    public const string Branch = "Branch";
    public const string SoftDelete = "SoftDelete";
}
