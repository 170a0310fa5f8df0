using System.ComponentModel;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Api.Middleware;
using Smackdab.Inventory.Domain.Features.Caching;
using Smackdab.Inventory.Domain.Features.Events;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Api.Caching;

/// <summary>
/// Cached reads of the product catalog, locations and stock, through <see cref="HybridCache"/> (this process's memory,
/// then Redis when configured). Keys hold the organization, the branch when the caller is branch-isolated (the only tenant
/// state the query filters read), the versions of the data the read shows (<see cref="CacheGenerations"/>) and the
/// request; so one tenant's entry can never answer another, and a committed write moves every key that could show it.
/// </summary>
public sealed class ReadCache(
    HybridCache cache,
    CacheGenerations generations,
    TenantContext tenant,
    IOptions<CacheOptions> options,
    ReadCacheStatistics statistics,
    SyncPosition position,
    EventReader events)
{
    /// <summary>
    /// <see cref="GetOrReadAsync{T}(string, CachedData, string, Func{CancellationToken, Task{T}}, CancellationToken)"/> keyed by
    /// the request's path and query. A request with <c>X-Consistency: strong</c> or <c>Cache-Control: no-cache</c> is answered from the database.
    /// </summary>
    public Task<T> GetOrReadAsync<T>(string name, CachedData shows, HttpRequest request, Func<CancellationToken, Task<T>> read, CancellationToken ct)
        where T : class
    {
        if (ConsistencyMiddleware.Of(request.HttpContext) == ReadConsistency.Strong
            || request.Headers.CacheControl.Any(v => v is not null && v.Contains("no-cache", StringComparison.OrdinalIgnoreCase)))
        {
            return BypassAsync(name, read, ct);
        }

        return GetOrReadAsync(name, shows, string.Concat(request.Path.Value, request.QueryString.Value), read, ct);
    }

    /// <summary>
    /// Answers <paramref name="read"/> from the cache, or runs it and keeps the answer. <paramref name="name"/> names the
    /// cache in metrics; <paramref name="shows"/> lists every kind of data the answer shows; <paramref name="request"/>
    /// identifies the request within the tenant (path and query). Exceptions (404, 400) are not cached.
    /// </summary>
    public async Task<T> GetOrReadAsync<T>(string name, CachedData shows, string request, Func<CancellationToken, Task<T>> read, CancellationToken ct)
        where T : class
    {
        var organizationId = tenant.OrganizationId;
        var version = organizationId is null ? null : await generations.VersionAsync(organizationId, shows, ct);
        if (version is not { } known)
        {
            return await BypassAsync(name, read, ct);
        }

        var scope = tenant.BranchIsolated ? "b=" + tenant.BranchId : "org";
        var key = string.Concat(organizationId, "|", scope, "|", known.Key, "|", request);
        var ttl = options.Value.TimeToLive(shows);
        var entryOptions = new HybridCacheEntryOptions
        {
            Expiration = ttl,
            LocalCacheExpiration = ttl < TimeSpan.FromSeconds(options.Value.LocalMaxSeconds) ? ttl : TimeSpan.FromSeconds(options.Value.LocalMaxSeconds),
        };

        // Concurrent misses of one key share the first caller's read, which uses that caller's request services (its
        // DbContext): so no caller stops waiting early (that would end its request and dispose them under the others).
        // The read itself is bounded by Database:CommandTimeoutSeconds.
        var state = new ReadState<T>(read, known.Head);
        var entry = await cache.GetOrCreateAsync(
            key,
            state,
            static async (s, token) =>
            {
                s.Ran = true;
                return new Cached<T>(await s.Read(token), s.Head);
            },
            entryOptions,
            cancellationToken: CancellationToken.None);
        if (state.Ran)
        {
            CacheMetrics.Miss(name);
            statistics.CountMiss();
        }
        else
        {
            CacheMetrics.Hit(name);
            statistics.CountHit();
        }

        // The answer reflects every change up to the position taken before its database read: the list's sync token.
        position.Head = entry.Head;
        return entry.Value;
    }

    private async Task<T> BypassAsync<T>(string name, Func<CancellationToken, Task<T>> read, CancellationToken ct)
    {
        CacheMetrics.Bypass(name);
        statistics.CountBypass();
        if (position.Wanted && tenant.OrganizationId is { } organizationId)
        {
            position.Head = (await events.PositionsAsync(organizationId, ct)).Head;
        }

        return await read(ct);
    }

    private sealed class ReadState<T>(Func<CancellationToken, Task<T>> read, long head)
    {
        public Func<CancellationToken, Task<T>> Read { get; } = read;

        public long Head { get; } = head;

        public bool Ran { get; set; }
    }
}

/// <summary>
/// A cached answer and the change feed position it is at least as new as. Immutable (sealed, [ImmutableObject(true)]):
/// HybridCache hands out the kept instance from memory instead of deserializing a copy on every hit; callers never modify
/// what a read service returns.
/// </summary>
[ImmutableObject(true)]
public sealed record Cached<T>(T Value, long Head);

/// <summary>
/// Marks an action whose answer comes through <see cref="ReadCache"/>: its list sync token (X-Next-Sync-Token) is the
/// position the cached answer is at least as new as, so the request needs no database read for it.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class CachedReadAttribute : Attribute;

/// <summary>The change feed position of this request's cached read, for <see cref="Http.NextSyncTokenFilter"/>.</summary>
public sealed class SyncPosition
{
    /// <summary>Set by the filter: the response may need a sync token.</summary>
    public bool Wanted { get; set; }

    public long? Head { get; set; }
}

/// <summary>This instance's read cache counts (tests and diagnostics; metrics go through <see cref="CacheMetrics"/>).</summary>
public sealed class ReadCacheStatistics
{
    private long _hits;
    private long _misses;
    private long _bypasses;

    public long Hits => Interlocked.Read(ref _hits);

    public long Misses => Interlocked.Read(ref _misses);

    public long Bypasses => Interlocked.Read(ref _bypasses);

    internal void CountHit() => Interlocked.Increment(ref _hits);

    internal void CountMiss() => Interlocked.Increment(ref _misses);

    internal void CountBypass() => Interlocked.Increment(ref _bypasses);
}
