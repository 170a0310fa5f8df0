namespace Smackdab.Inventory.Domain.Common;

/// <summary>Columns every tenant-owned row carries.</summary>
public abstract class TenantEntity : ITenantOwned
{
    public string Id { get; set; } = "";

    public string OrganizationId { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    /// <summary>Optimistic concurrency: bumped on every update, exposed as ETag "version-N".</summary>
    public int Version { get; set; } = 1;

    public void Touch(DateTime now)
    {
        UpdatedAt = now;
        Version++;
    }
}

/// <summary>Entities that are soft-deleted so that sync clients can learn of the deletion.</summary>
public interface ISoftDeletable
{
    DateTime? DeletedAt { get; set; }
}
