namespace Smackdab.Inventory.Domain.Common;

/// <summary>A row that belongs to one organization: the "Tenant" query filter applies to every such entity.</summary>
public interface ITenantOwned
{
    string OrganizationId { get; }
}

/// <summary>
/// A row that belongs to one branch, or (null) to the whole organization. In branch-isolated mode the "Branch" query filter
/// shows only the rows of the caller's branch: organization-wide rows count as outside it.
/// </summary>
public interface IBranchOwned
{
    string? BranchId { get; }
}

/// <summary>
/// A row about one branch, or (null) about the whole organization, which every branch sees. In branch-isolated mode the
/// "Branch" query filter shows the caller's branch's rows and the organization-wide ones (change feed events of products).
/// </summary>
public interface IBranchTagged
{
    string? BranchId { get; }
}

/// <summary>A row at a location: the "Branch" query filter follows the location into branch isolation.</summary>
public interface ILocationScoped
{
    string LocationId { get; }
}

/// <summary>
/// Marks an entity that carries an organization id but is deliberately not tenant-filtered, with the reason. The model test
/// refuses any entity with an <c>OrganizationId</c> that is neither <see cref="ITenantOwned"/> nor marked with this.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NotTenantFilteredAttribute(string reason) : Attribute
{
    public string Reason { get; } = reason;
}
