using Microsoft.EntityFrameworkCore;
using Npgsql;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Paging;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Domain.Features.Locations;

public sealed class LocationService(InventoryDbContext db, TenantContext tenant, TimeProvider clock)
{
    public const string Resource = "Location";

    private static readonly IReadOnlyList<SortField<Location>> SortFields =
    [
        Pager.Timestamp<Location>("created_at", l => l.CreatedAt),
        Pager.Timestamp<Location>("updated_at", l => l.UpdatedAt),
        Pager.Text<Location>("name", l => l.Name),
    ];

    public async Task<PagedResult<LocationResponse>> ListAsync(ListRequest request, CancellationToken ct)
    {
        var query = db.Locations.AsNoTracking()
            .WhereFilter(request, "type", l => l.Type)
            .WhereFilter(request, "branch_id", l => l.BranchId)
            .WhereFilter(request, "location_group", l => l.LocationGroup);

        if (!string.IsNullOrWhiteSpace(request.Search))
        {
            var pattern = "%" + request.Search.Trim().Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
            query = query.Where(l => EF.Functions.ILike(l.Name, pattern) || (l.Code != null && EF.Functions.ILike(l.Code, pattern)));
        }

        var page = await Pager.PageAsync(query, request, SortFields, l => l.Id, ct);
        return page.Map(LocationResponse.From);
    }

    public async Task<LocationResponse> GetAsync(string id, CancellationToken ct) => LocationResponse.From(await FindAsync(id, ct));

    public async Task<LocationWriteRequest> GetWriteModelAsync(string id, CancellationToken ct)
    {
        var l = LocationResponse.From(await FindAsync(id, ct));
        return new LocationWriteRequest
        {
            Name = l.Name,
            Code = l.Code,
            Type = l.Type,
            BranchId = l.BranchId,
            LocationGroup = l.LocationGroup,
            Address = l.Address,
        };
    }

    public async Task<LocationResponse> CreateAsync(LocationWriteRequest request, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var location = new Location
        {
            Id = PublicId.New(PublicId.Location),
            OrganizationId = tenant.RequireOrganization(),
            CreatedAt = now,
            UpdatedAt = now,
        };
        await ApplyAsync(location, request, ct);
        db.Locations.Add(location);
        await SaveAsync(location.Code, ct);
        return LocationResponse.From(location);
    }

    public async Task<LocationResponse> UpdateAsync(string id, LocationWriteRequest request, int? expectedVersion, CancellationToken ct)
    {
        var location = await FindAsync(id, ct);
        Versioning.EnsureMatches(location.Version, expectedVersion);
        await ApplyAsync(location, request, ct);
        location.Touch(clock.GetUtcNow().UtcDateTime);
        await SaveAsync(location.Code, ct);
        return LocationResponse.From(location);
    }

    public async Task<Products.DeletedResponse> DeleteAsync(string id, int? expectedVersion, CancellationToken ct)
    {
        var location = await FindAsync(id, ct);
        Versioning.EnsureMatches(location.Version, expectedVersion);
        var now = clock.GetUtcNow().UtcDateTime;
        location.DeletedAt = now;
        location.Touch(now);
        await Versioning.SaveAsync(db, ct);
        return new Products.DeletedResponse(location.Id, true, now);
    }

    private async Task<Location> FindAsync(string id, CancellationToken ct) =>
        await db.Locations.FirstOrDefaultAsync(l => l.Id == id, ct) ?? throw new NotFoundException(Resource, id);

    private async Task ApplyAsync(Location location, LocationWriteRequest request, CancellationToken ct)
    {
        var branchId = request.BranchId ?? tenant.BranchId ?? throw new ValidationFailedException("branch_id", "Is required");
        if (!await db.Branches.AnyAsync(b => b.Id == branchId, ct))
        {
            throw new ValidationFailedException("branch_id", "Branch not found");
        }

        if (tenant.BranchIsolated && branchId != tenant.BranchId)
        {
            throw new PermissionDeniedException(
                "In branch_isolated mode a location can only belong to the request's branch",
                new Dictionary<string, object?> { ["branch_id"] = new[] { $"Must be {tenant.BranchId}" } });
        }

        location.Name = request.Name!.Trim();
        location.Code = request.Code;
        location.Type = request.Type ?? LocationTypes.Warehouse;
        location.BranchId = branchId;
        location.LocationGroup = request.LocationGroup;
        // Mutate the owned address in place: EF tracks it as part of the location row.
        location.Address.Line1 = request.Address?.Line1;
        location.Address.Line2 = request.Address?.Line2;
        location.Address.City = request.Address?.City;
        location.Address.Region = request.Address?.Region;
        location.Address.PostalCode = request.Address?.PostalCode;
        location.Address.Country = request.Address?.Country;
    }

    private async Task SaveAsync(string? code, CancellationToken ct)
    {
        try
        {
            await Versioning.SaveAsync(db, ct);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            throw new ConflictException(
                "A location with this code already exists",
                new Dictionary<string, object?> { ["code"] = new[] { $"Code '{code}' is already in use" } });
        }
    }
}
