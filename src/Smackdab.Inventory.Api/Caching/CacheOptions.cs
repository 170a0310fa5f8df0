using System.ComponentModel.DataAnnotations;
using Smackdab.Inventory.Domain.Features.Caching;

namespace Smackdab.Inventory.Api.Caching;

/// <summary>Section "Cache": the read cache of the product catalog, stock levels and locations (see docs/configuration.md).</summary>
public sealed class CacheOptions
{
    public const string Section = "Cache";

    /// <summary>False turns the read cache off: every read asks the database.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Product catalog (the spec: 1 hour).</summary>
    [Range(1, 86_400)]
    public int ProductsSeconds { get; set; } = 3600;

    /// <summary>Inventory levels, and any read that shows them (the spec: 5 minutes).</summary>
    [Range(1, 86_400)]
    public int InventorySeconds { get; set; } = 300;

    /// <summary>Location data (the spec: 2 hours).</summary>
    [Range(1, 86_400)]
    public int LocationsSeconds { get; set; } = 7200;

    /// <summary>
    /// Longest time an entry stays in this process's memory (the first level); the Redis copy keeps the full TTL. Entries
    /// that a write has superseded are never asked for again but stay until then, so this bounds the memory they hold
    /// (about misses per second x this x answer size).
    /// </summary>
    [Range(1, 86_400)]
    public int LocalMaxSeconds { get; set; } = 60;

    /// <summary>Largest cached value; bigger ones are read from the database every time.</summary>
    [Range(1024, 256 * 1024 * 1024)]
    public int MaximumPayloadBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Organizations whose versions this process keeps; beyond it the table is emptied and refilled from the database.</summary>
    [Range(1, 10_000_000)]
    public int MaxOrganizations { get; set; } = 100_000;

    /// <summary>Prefix of the Redis keys (second-level entries and shared versions), so that several deployments can share one Redis.</summary>
    [Required]
    public string RedisKeyPrefix { get; set; } = "smackdab:cache:";

    /// <summary>The TTL of a read that shows <paramref name="data"/>: the shortest of the kinds it shows.</summary>
    public TimeSpan TimeToLive(CachedData data)
    {
        var seconds = int.MaxValue;
        if (data.HasFlag(CachedData.Products))
        {
            seconds = Math.Min(seconds, ProductsSeconds);
        }

        if (data.HasFlag(CachedData.Locations))
        {
            seconds = Math.Min(seconds, LocationsSeconds);
        }

        if (data.HasFlag(CachedData.Inventory))
        {
            seconds = Math.Min(seconds, InventorySeconds);
        }

        return TimeSpan.FromSeconds(seconds == int.MaxValue ? InventorySeconds : seconds);
    }
}
