using FluentValidation;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.ApiKeys;

namespace Smackdab.Inventory.Domain.Features.Organizations;

public sealed record CreateOrganizationRequest
{
    public string? Name { get; init; }

    public static CreateOrganizationRequest Example => new() { Name = "Acme Sandbox" };
}

public sealed record ProvisionedApiKey(string Id, string Secret, IReadOnlyList<string> Scopes);

public sealed record OrganizationResponse(string Id, string Name, string BranchId, DateTime CreatedAt, ProvisionedApiKey ApiKey);

public sealed class CreateOrganizationRequestValidator : AbstractValidator<CreateOrganizationRequest>
{
    public CreateOrganizationRequestValidator()
    {
        RuleFor(r => r.Name).NotEmpty().WithMessage("Is required").MaximumLength(200);
    }
}

/// <summary>Creates tenants: an organization, its default branch and an admin API key, in one transaction.</summary>
public sealed class OrganizationService(InventoryDbContext db, TimeProvider clock)
{
    public async Task<OrganizationResponse> ProvisionAsync(
        CreateOrganizationRequest request, CancellationToken ct, string? organizationId = null, string? branchId = null, string? adminSecret = null)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var organization = new Organization
        {
            Id = organizationId ?? PublicId.New(PublicId.Organization),
            Name = request.Name!.Trim(),
            DefaultBranchId = branchId ?? PublicId.New(PublicId.Branch),
            CreatedAt = now,
            UpdatedAt = now,
        };
        var branch = new Branch { Id = organization.DefaultBranchId, OrganizationId = organization.Id, Name = "Main", CreatedAt = now };
        var (key, secret) = ApiKeyService.NewKey(organization.Id, "Admin key", [Scopes.Admin], null, now, adminSecret);

        db.Organizations.Add(organization);
        db.Branches.Add(branch);
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(ct);

        return new OrganizationResponse(organization.Id, organization.Name, branch.Id, now, new ProvisionedApiKey(key.Id, secret, key.Scopes));
    }
}
