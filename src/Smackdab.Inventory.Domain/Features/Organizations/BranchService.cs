using FluentValidation;
using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Paging;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Domain.Features.Organizations;

public sealed record CreateBranchRequest
{
    public string? Name { get; init; }

    public static CreateBranchRequest Example => new() { Name = "East Coast" };
}

public sealed record BranchResponse(string Id, string Name, bool IsDefault, DateTime CreatedAt);

public sealed class CreateBranchRequestValidator : AbstractValidator<CreateBranchRequest>
{
    public CreateBranchRequestValidator()
    {
        RuleFor(r => r.Name).NotEmpty().WithMessage("Is required").MaximumLength(200);
    }
}

public sealed class BranchService(InventoryDbContext db, TenantContext tenant, TimeProvider clock)
{
    private static readonly IReadOnlyList<SortField<Branch>> SortFields =
    [
        Pager.Timestamp<Branch>("created_at", b => b.CreatedAt),
        Pager.Text<Branch>("name", b => b.Name),
    ];

    public async Task<PagedResult<BranchResponse>> ListAsync(ListRequest request, CancellationToken ct)
    {
        var defaultBranch = await DefaultBranchIdAsync(ct);
        var page = await Pager.PageAsync(db.Branches.AsNoTracking(), request, SortFields, b => b.Id, ct);
        return page.Map(b => new BranchResponse(b.Id, b.Name, b.Id == defaultBranch, b.CreatedAt));
    }

    public async Task<BranchResponse> CreateAsync(CreateBranchRequest request, CancellationToken ct)
    {
        var branch = new Branch
        {
            Id = PublicId.New(PublicId.Branch),
            OrganizationId = tenant.RequireOrganization(),
            Name = request.Name!.Trim(),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.Branches.Add(branch);
        await db.SaveChangesAsync(ct);
        return new BranchResponse(branch.Id, branch.Name, false, branch.CreatedAt);
    }

    private Task<string?> DefaultBranchIdAsync(CancellationToken ct)
    {
        var organizationId = tenant.RequireOrganization();
        return db.Organizations.Where(o => o.Id == organizationId).Select(o => o.DefaultBranchId).FirstOrDefaultAsync(ct);
    }
}
