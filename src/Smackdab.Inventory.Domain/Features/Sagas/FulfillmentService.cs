using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Integrations;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Domain.Features.Sagas;

/// <summary>POST /v1/fulfillments and GET /v1/sagas/{id}.</summary>
public sealed class FulfillmentService(
    InventoryDbContext db,
    TenantContext tenant,
    IntegrationService integrations,
    SagaRunner runner,
    IServiceScopeFactory scopes,
    TimeProvider clock)
{
    public const string Resource = "Saga";

    public async Task<SagaResponse> StartAsync(FulfillmentRequest request, CancellationToken ct)
    {
        try
        {
            await integrations.FindAsync(request.IntegrationId!, ct);
        }
        catch (NotFoundException)
        {
            throw new ValidationFailedException("integration_id", "Integration not found");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var leaseOwner = SagaRunner.NewLeaseOwner();
        var saga = new Saga
        {
            Id = PublicId.New(PublicId.Saga),
            OrganizationId = tenant.RequireOrganization(),
            BranchId = tenant.BranchId,
            IntegrationId = request.IntegrationId!,
            ProductId = request.ProductId!,
            LocationId = request.LocationId!,
            QuantityValue = request.Quantity!.Value!.Value,
            QuantityUom = request.Quantity.Uom,
            Reference = request.Reference,
            ExternalPath = request.ExternalPath ?? "/fulfillments",
            Steps = SagaRunner.FulfillmentSteps(),
            LeaseOwner = leaseOwner,
            LeaseExpiresAt = runner.LeaseUntil(),
            CreatedAt = now,
            UpdatedAt = now,
        };

        // Its own context and transaction: the saga's record must survive whatever happens to this request.
        await using (var scope = scopes.CreateAsyncScope())
        {
            var own = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
            own.Sagas.Add(saga);
            await own.SaveChangesAsync(CancellationToken.None);
        }

        return await runner.RunAsync(saga.Id, leaseOwner, ct);
    }

    public async Task<SagaResponse> GetAsync(string id, CancellationToken ct) =>
        SagaResponse.From(await db.Sagas.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw new NotFoundException(Resource, id));
}
