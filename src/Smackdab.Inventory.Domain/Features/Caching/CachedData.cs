using Smackdab.Inventory.Domain.Features.Events;

namespace Smackdab.Inventory.Domain.Features.Caching;

/// <summary>
/// The kinds of data the read cache holds, one invalidation tag each. A change invalidates every kind whose reads can show
/// it: stock rows show product and location names, so product and location changes invalidate <see cref="Inventory"/> too.
/// </summary>
[Flags]
public enum CachedData
{
    None = 0,
    Products = 1,
    Locations = 2,
    Inventory = 4,
    All = Products | Locations | Inventory,
}

public static class CachedDataTags
{
    /// <summary>What an event about <paramref name="resourceType"/> makes stale.</summary>
    public static CachedData ChangedBy(string resourceType) => resourceType switch
    {
        EventResources.Product => CachedData.Products | CachedData.Inventory,
        EventResources.Location => CachedData.Locations | CachedData.Inventory,
        _ => CachedData.Inventory,
    };

    /// <summary>The kinds as a comma-separated list of tag names (<c>products,inventory</c>), as sent in notifications.</summary>
    public static string Format(CachedData data) =>
        string.Join(',', Names.Where(n => data.HasFlag(n.Data)).Select(n => n.Name));

    public static CachedData Parse(ReadOnlySpan<char> tags)
    {
        var data = CachedData.None;
        foreach (var range in tags.Split(','))
        {
            var name = tags[range];
            foreach (var (kind, tag) in Names)
            {
                if (name.SequenceEqual(tag))
                {
                    data |= kind;
                }
            }
        }

        return data;
    }

    public static readonly IReadOnlyList<(CachedData Data, string Name)> Names =
    [
        (CachedData.Products, "products"),
        (CachedData.Locations, "locations"),
        (CachedData.Inventory, "inventory"),
    ];
}

/// <summary>
/// A committed change, as the cache sees it: the organization, the sequence number its events took (numbers commit in
/// order per organization, so a later commit always has a higher one) and the kinds of data it made stale.
/// </summary>
public sealed record CommittedChange(string OrganizationId, long Sequence, CachedData Data);

/// <summary>Told about every committed change of this process, after the commit and before the request answers.</summary>
public interface ICommittedChangeObserver
{
    ValueTask OnCommittedAsync(IReadOnlyList<CommittedChange> changes);
}
