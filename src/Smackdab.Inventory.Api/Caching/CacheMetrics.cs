using System.Diagnostics.Metrics;

namespace Smackdab.Inventory.Api.Caching;

/// <summary>
/// The cache meter ("Smackdab.Inventory.Cache"), shared by every cache of the process: one counter of lookups tagged with
/// the cache (<c>api_keys</c>, <c>products</c>, <c>locations</c>, <c>inventory</c>) and the result (<c>hit</c>, <c>miss</c>,
/// or <c>bypass</c> when the cache could not be used). Hit rate = hit / (hit + miss + bypass).
/// </summary>
public static class CacheMetrics
{
    public const string MeterName = "Smackdab.Inventory.Cache";

    public static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Lookups = Meter.CreateCounter<long>("smackdab.cache.lookups", description: "Cache lookups by cache and result (hit, miss or bypass)");

    public static void Hit(string cache) => Lookups.Add(1, new("cache", cache), new("result", "hit"));

    public static void Miss(string cache) => Lookups.Add(1, new("cache", cache), new("result", "miss"));

    public static void Bypass(string cache) => Lookups.Add(1, new("cache", cache), new("result", "bypass"));
}
