using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Allocations;
using Smackdab.Inventory.Domain.Features.Integrations;
using Smackdab.Inventory.Domain.Features.Integrations.Connectors;
using Smackdab.Inventory.Domain.Features.Ledger;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Domain.Features.Sagas;

/// <summary>
/// Runs fulfilment sagas step by step. Every state change is saved on its own context (outside the request's transaction)
/// before the next step starts. Steps are written so that running one again after a crash finds what the first run did
/// (the allocation and the shipment carry the saga id; the external call carries it as Idempotency-Key), which is what
/// lets another instance resume a saga whose lease ran out. A failed step compensates the completed ones in reverse.
/// <para>
/// Each run holds the saga under its own lease owner token (one per run, not per instance: the recovery worker of the
/// same instance must not take over a run that is alive). While a run is alive it renews the lease every third of
/// <see cref="IntegrationOptions.SagaLeaseSeconds"/>, so a step slower than the lease (an external call, a busy database)
/// is not taken over and run a second time. Every save is fenced on the owner token: a run that lost its lease (its
/// process stalled past the lease and another run took over) stops at its next save instead of overwriting the new
/// run's record.
/// </para>
/// </summary>
public sealed class SagaRunner(
    IServiceScopeFactory scopes,
    ConnectorClient connector,
    IOptions<IntegrationOptions> options,
    TimeProvider clock,
    ILogger<SagaRunner> logger)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static List<SagaStep> FulfillmentSteps() =>
    [
        new() { Step = 1, Action = SagaActions.ReserveInventory, Compensation = SagaActions.ReleaseReservation },
        new() { Step = 2, Action = SagaActions.CreateShipment, Compensation = SagaActions.CancelShipment },
        new() { Step = 3, Action = SagaActions.CallExternalSystem, Compensation = SagaActions.NotifyExternalSystem },
    ];

    /// <summary>A lease owner token for one run of a saga.</summary>
    public static string NewLeaseOwner() => Guid.NewGuid().ToString("N");

    public DateTime LeaseUntil() => clock.GetUtcNow().UtcDateTime.AddSeconds(options.Value.SagaLeaseSeconds);

    /// <summary>
    /// Drives the saga, held under <paramref name="leaseOwner"/>, to completed or compensated. A cancellation leaves it as it
    /// is, for recovery; a lost lease leaves it to the run that took it over. Either way the answer is the saga as stored.
    /// </summary>
    public async Task<SagaResponse> RunAsync(string sagaId, string leaseOwner, CancellationToken ct)
    {
        using var stopRenewing = new CancellationTokenSource();
        var renewing = RenewLeaseAsync(sagaId, leaseOwner, stopRenewing.Token);
        try
        {
            return await DriveAsync(sagaId, leaseOwner, ct);
        }
        catch (SagaLeaseLostException)
        {
            logger.LogWarning("Saga {SagaId} was taken over by another run after its lease lapsed; this run stops", sagaId);
            return SagaResponse.From(await LoadAsync(sagaId));
        }
        finally
        {
            await stopRenewing.CancelAsync();
            await renewing;
        }
    }

    private async Task<SagaResponse> DriveAsync(string sagaId, string leaseOwner, CancellationToken ct)
    {
        var saga = await LoadAsync(sagaId);
        if (saga.LeaseOwner != leaseOwner)
        {
            throw new SagaLeaseLostException();
        }

        if (saga.Status == SagaStatuses.Running)
        {
            foreach (var step in saga.Steps.OrderBy(s => s.Step).Where(s => s.Status != SagaStepStatuses.Completed))
            {
                step.Status = SagaStepStatuses.Running;
                step.StartedAt ??= Now;
                await SaveAsync(saga);
                try
                {
                    step.ResourceId = await ExecuteAsync(saga, step, ct);
                    step.Status = SagaStepStatuses.Completed;
                    step.CompletedAt = Now;
                    await SaveAsync(saga);
                }
                catch (DomainException failure)
                {
                    step.Status = SagaStepStatuses.Failed;
                    step.Error = $"{failure.Code}: {failure.Message}";
                    saga.Error = $"Step {step.Step} ({step.Action}) failed: {step.Error}";
                    saga.Status = SagaStatuses.Compensating;
                    await SaveAsync(saga);
                    logger.LogWarning("Saga {SagaId} step {Step} {Action} failed with {ErrorCode}; compensating", saga.Id, step.Step, step.Action, failure.Code);
                    break;
                }
            }

            if (saga.Status == SagaStatuses.Running)
            {
                saga.Status = SagaStatuses.Completed;
                saga.CompletedAt = Now;
                await ReleaseLeaseAsync(saga);
                logger.LogInformation("Saga {SagaId} completed", saga.Id);
                return SagaResponse.From(saga);
            }
        }

        if (saga.Status == SagaStatuses.Compensating)
        {
            await CompensateAsync(saga);
        }

        return SagaResponse.From(saga);
    }

    /// <summary>Takes over one saga whose lease ran out (its instance stopped) and drives it on; false when there is none.</summary>
    public async Task<bool> RecoverNextAsync(CancellationToken ct)
    {
        string? sagaId;
        var owner = NewLeaseOwner();
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
            var now = Now;
            var until = LeaseUntil();
            sagaId = (await db.Database.SqlQuery<string>(
                $"""
                UPDATE sagas SET lease_owner = {owner}, lease_expires_at = {until}
                WHERE id = (
                    SELECT id FROM sagas
                    WHERE status IN ('running', 'compensating') AND (lease_expires_at IS NULL OR lease_expires_at < {now})
                    ORDER BY updated_at, id
                    LIMIT 1
                    FOR UPDATE SKIP LOCKED)
                RETURNING id AS "Value"
                """).ToListAsync(ct)).FirstOrDefault();
        }

        if (sagaId is null)
        {
            return false;
        }

        logger.LogWarning("Recovering saga {SagaId} left unfinished by a stopped instance", sagaId);
        await RunAsync(sagaId, owner, ct);
        return true;
    }

    private async Task CompensateAsync(Saga saga)
    {
        foreach (var step in saga.Steps.OrderByDescending(s => s.Step).Where(s => s.Status == SagaStepStatuses.Completed))
        {
            try
            {
                step.CompensationResourceId = await CompensateStepAsync(saga, step);
                step.Status = SagaStepStatuses.Compensated;
                step.CompensatedAt = Now;
                await SaveAsync(saga);
            }
            catch (DomainException failure)
            {
                saga.Status = SagaStatuses.Failed;
                saga.Error += $"; compensation {step.Compensation} failed: {failure.Code}: {failure.Message}";
                await ReleaseLeaseAsync(saga);
                logger.LogError("Saga {SagaId} compensation {Compensation} failed with {ErrorCode}; it needs an operator", saga.Id, step.Compensation, failure.Code);
                return;
            }
        }

        foreach (var step in saga.Steps.Where(s => s.Status is SagaStepStatuses.Pending or SagaStepStatuses.Running))
        {
            step.Status = SagaStepStatuses.NotRun;
        }

        saga.Status = SagaStatuses.Compensated;
        saga.CompletedAt = Now;
        await ReleaseLeaseAsync(saga);
        logger.LogInformation("Saga {SagaId} compensated", saga.Id);
    }

    private async Task<string?> ExecuteAsync(Saga saga, SagaStep step, CancellationToken ct)
    {
        await using var scope = TenantScope(saga);
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<InventoryDbContext>();
        switch (step.Action)
        {
            case SagaActions.ReserveInventory:
            {
                var existing = await db.Allocations.AsNoTracking().FirstOrDefaultAsync(a => a.Reference == saga.Id, CancellationToken.None);
                if (existing is not null)
                {
                    return existing.Id;
                }

                var allocation = await services.GetRequiredService<AllocationService>().CreateAsync(new CreateAllocationRequest
                {
                    ProductId = saga.ProductId,
                    LocationId = saga.LocationId,
                    Quantity = new QuantityDto { Value = saga.QuantityValue, Uom = saga.QuantityUom },
                    Reference = saga.Id,
                }, CancellationToken.None);
                return allocation.Id;
            }

            case SagaActions.CreateShipment:
            {
                var allocationId = Reservation(saga);
                var allocation = await db.Allocations.AsNoTracking().FirstAsync(a => a.Id == allocationId, CancellationToken.None);
                if (allocation.Status == AllocationStatuses.Pending)
                {
                    await services.GetRequiredService<AllocationService>().FulfilAsync(allocationId, new AllocationQuantityRequest { Reference = saga.Id }, CancellationToken.None);
                }

                return await db.InventoryTransactions.AsNoTracking()
                    .Where(t => t.AllocationId == allocationId && t.TransactionType == TransactionTypes.Shipment)
                    .Select(t => t.Id).FirstOrDefaultAsync(CancellationToken.None);
            }

            case SagaActions.CallExternalSystem:
            {
                var integration = await db.Integrations.AsNoTracking().FirstOrDefaultAsync(i => i.Id == saga.IntegrationId, CancellationToken.None)
                    ?? throw new NotFoundException(IntegrationService.Resource, saga.IntegrationId);
                var body = JsonSerializer.Serialize(new
                {
                    saga_id = saga.Id,
                    reference = saga.Reference,
                    product_id = saga.ProductId,
                    location_id = saga.LocationId,
                    quantity = new { value = saga.QuantityValue, uom = saga.QuantityUom },
                    allocation_id = Reservation(saga),
                    shipment_transaction_id = saga.Steps.First(s => s.Action == SagaActions.CreateShipment).ResourceId,
                }, Json);
                var response = await connector.SendAsync(integration, new ConnectorRequest(HttpMethod.Post, saga.ExternalPath, body) { IdempotencyKey = saga.Id }, ct);
                return $"HTTP {response.StatusCode}";
            }

            default:
                throw new InvalidOperationException($"Unknown saga action {step.Action}");
        }
    }

    private async Task<string?> CompensateStepAsync(Saga saga, SagaStep step)
    {
        await using var scope = TenantScope(saga);
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<InventoryDbContext>();
        switch (step.Action)
        {
            case SagaActions.CreateShipment:
            {
                // Cancel the shipment: the stock comes back on hand with a return row that names the saga (found again on a rerun).
                var reference = $"{saga.Id}:cancel_shipment";
                var existing = await db.InventoryTransactions.AsNoTracking().Where(t => t.Reference == reference).Select(t => t.Id).FirstOrDefaultAsync(CancellationToken.None);
                if (existing is not null)
                {
                    return existing;
                }

                var shipment = await db.InventoryTransactions.AsNoTracking().FirstAsync(t => t.Id == step.ResourceId, CancellationToken.None);
                var posted = await services.GetRequiredService<LedgerService>().PostAsync(new CreateTransactionRequest
                {
                    TransactionType = TransactionTypes.Return,
                    ProductId = saga.ProductId,
                    LocationId = saga.LocationId,
                    Quantity = new QuantityDto { Value = -shipment.QuantityChange },
                    Reference = reference,
                    Notes = "Saga compensation: cancel shipment",
                }, CancellationToken.None);
                return posted.Id;
            }

            case SagaActions.ReserveInventory:
            {
                var allocationId = Reservation(saga);
                var allocation = await db.Allocations.AsNoTracking().FirstAsync(a => a.Id == allocationId, CancellationToken.None);
                if (allocation.Status == AllocationStatuses.Pending)
                {
                    await services.GetRequiredService<AllocationService>().ReleaseAsync(allocationId, new AllocationQuantityRequest { Reference = saga.Id }, CancellationToken.None);
                }

                // A fulfilled allocation holds nothing any more: cancelling the shipment gave the stock back.
                return allocationId;
            }

            default:
                // The external call is the last step: when it completed there is nothing to compensate.
                return null;
        }
    }

    private static string Reservation(Saga saga) =>
        saga.Steps.First(s => s.Action == SagaActions.ReserveInventory).ResourceId
        ?? throw new InvalidOperationException($"Saga {saga.Id} has no reservation");

    private AsyncServiceScope TenantScope(Saga saga)
    {
        var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(saga.OrganizationId, saga.BranchId, branchIsolated: false);
        return scope;
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private async Task<Saga> LoadAsync(string sagaId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        return await db.Sagas.IgnoreQueryFilters().AsNoTracking().SingleAsync(s => s.Id == sagaId, CancellationToken.None);
    }

    /// <summary>
    /// Saves the whole saga (steps included) and renews the lease, only while this run still owns it (else
    /// <see cref="SagaLeaseLostException"/>); never cancelled, so the record stays true.
    /// </summary>
    private async Task SaveAsync(Saga saga)
    {
        var owner = saga.LeaseOwner;
        var until = LeaseUntil();
        var now = Now;
        var version = saga.Version + 1;
        var steps = saga.StepsJson;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        var saved = await db.Sagas.IgnoreQueryFilters().Where(s => s.Id == saga.Id && s.LeaseOwner == owner)
            .ExecuteUpdateAsync(
                u => u.SetProperty(s => s.Status, saga.Status)
                    .SetProperty(s => s.StepsJson, steps)
                    .SetProperty(s => s.Error, saga.Error)
                    .SetProperty(s => s.CompletedAt, saga.CompletedAt)
                    .SetProperty(s => s.LeaseExpiresAt, until)
                    .SetProperty(s => s.UpdatedAt, now)
                    .SetProperty(s => s.Version, version),
                CancellationToken.None);
        if (saved == 0)
        {
            throw new SagaLeaseLostException();
        }

        saga.LeaseExpiresAt = until;
        saga.UpdatedAt = now;
        saga.Version = version;
    }

    /// <summary>Saves the finished saga and gives up the lease: no instance needs to look at it again.</summary>
    private async Task ReleaseLeaseAsync(Saga saga)
    {
        await SaveAsync(saga);
        var owner = saga.LeaseOwner;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        await db.Sagas.IgnoreQueryFilters().Where(s => s.Id == saga.Id && s.LeaseOwner == owner)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.LeaseOwner, (string?)null).SetProperty(s => s.LeaseExpiresAt, (DateTime?)null), CancellationToken.None);
        saga.LeaseExpiresAt = null;
    }

    /// <summary>
    /// Extends the lease every third of its length while the run is alive, so that a slow step is not taken over. Stops
    /// quietly when the run ends or the lease is no longer this run's (the next save then fails).
    /// </summary>
    private async Task RenewLeaseAsync(string sagaId, string owner, CancellationToken stop)
    {
        var every = TimeSpan.FromSeconds(Math.Max(options.Value.SagaLeaseSeconds / 3.0, 0.1));
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, clock, stop);
                var until = LeaseUntil();
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
                var renewed = await db.Sagas.IgnoreQueryFilters()
                    .Where(s => s.Id == sagaId && s.LeaseOwner == owner
                        && (s.Status == SagaStatuses.Running || s.Status == SagaStatuses.Compensating))
                    .ExecuteUpdateAsync(u => u.SetProperty(s => s.LeaseExpiresAt, until), stop);
                if (renewed == 0)
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The database is away: try again; the run's own next save decides whether the lease is still ours.
                logger.LogWarning(e, "Could not renew the lease of saga {SagaId}", sagaId);
            }
        }
    }

    /// <summary>The saga's lease is no longer this run's: another run took it over.</summary>
    private sealed class SagaLeaseLostException : Exception
    {
        public SagaLeaseLostException()
            : base("The saga's lease was taken over by another run")
        {
        }
    }
}
