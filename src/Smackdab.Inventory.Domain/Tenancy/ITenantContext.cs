namespace Smackdab.Inventory.Domain.Tenancy;

/// <summary>The organization (and branch) the current request acts for. Resolved once per request by the API.</summary>
public interface ITenantContext
{
    /// <summary>The caller's organization, or null outside a tenant request (background jobs, platform calls).</summary>
    string? OrganizationId { get; }

    /// <summary>The branch selected with X-Branch-ID, or the organization's default branch.</summary>
    string? BranchId { get; }

    /// <summary>True when X-Inventory-Mode is branch_isolated: reads and writes stay within <see cref="BranchId"/>.</summary>
    bool BranchIsolated { get; }
}

/// <summary>The mutable per-request implementation, filled in by the tenancy middleware.</summary>
public sealed class TenantContext : ITenantContext
{
    public string? OrganizationId { get; private set; }

    public string? BranchId { get; private set; }

    public bool BranchIsolated { get; private set; }

    public void Set(string organizationId, string? branchId, bool branchIsolated)
    {
        OrganizationId = organizationId;
        BranchId = branchId;
        BranchIsolated = branchIsolated;
    }

    public string RequireOrganization() =>
        OrganizationId ?? throw new InvalidOperationException("No organization is set for this request.");
}
