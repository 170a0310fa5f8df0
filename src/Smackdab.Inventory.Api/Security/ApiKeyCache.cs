using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Api.Caching;

namespace Smackdab.Inventory.Api.Security;

/// <summary>Section "ApiKeyCache".</summary>
public sealed class ApiKeyCacheOptions
{
    public const string Section = "ApiKeyCache";

    /// <summary>How long a verified key is trusted without asking the database; 0 turns the cache off.</summary>
    [Range(0, 3600)]
    public int Seconds { get; set; } = 60;

    [Range(1, 10_000_000)]
    public int MaxEntries { get; set; } = 100_000;
}

/// <summary>An API key as authentication needs it.</summary>
public sealed record VerifiedApiKey(string Id, string OrganizationId, string? BranchId, IReadOnlyList<string> Scopes, DateTime? LastUsedAt);

/// <summary>
/// Verified API keys by secret hash, so that an authenticated request does not look its key up every time. Revocation
/// must still take effect at once on every instance, so the cache is used only while <see cref="ApiKeyRevocationListener"/>
/// is subscribed to the revocation channel (PostgreSQL LISTEN/NOTIFY): every revocation evicts the key everywhere at
/// commit, and a lost subscription empties and disables the cache until it is back.
/// </summary>
public sealed class ApiKeyCache(IOptions<ApiKeyCacheOptions> options, TimeProvider clock)
{
    private const string CacheName = "api_keys";

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _awaitedRevocations = new(StringComparer.Ordinal);
    private static readonly TimeSpan RevocationWait = TimeSpan.FromSeconds(2);

    private long _generation;
    private long _hits;
    private long _misses;
    private volatile bool _subscribed;

    /// <summary>Changes on every eviction; a value read before a database lookup tells whether the lookup may be stale.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public bool Enabled => _subscribed && options.Value.Seconds > 0;

    public long Hits => Interlocked.Read(ref _hits);

    public long Misses => Interlocked.Read(ref _misses);

    public VerifiedApiKey? Find(string secretHash)
    {
        if (!Enabled)
        {
            return null;
        }

        if (_entries.TryGetValue(secretHash, out var entry) && entry.ExpiresAt > clock.GetUtcNow())
        {
            Interlocked.Increment(ref _hits);
            CacheMetrics.Hit(CacheName);
            return entry.Key;
        }

        Interlocked.Increment(ref _misses);
        CacheMetrics.Miss(CacheName);
        return null;
    }

    /// <summary>Keeps a key read from the database; <paramref name="generationBeforeRead"/> is <see cref="Generation"/> from before the read.</summary>
    public void Store(string secretHash, VerifiedApiKey key, long generationBeforeRead)
    {
        if (!Enabled)
        {
            return;
        }

        if (_entries.Count >= options.Value.MaxEntries)
        {
            _entries.Clear();
        }

        _entries[secretHash] = new Entry(key, clock.GetUtcNow().AddSeconds(options.Value.Seconds));
        // A revocation handled while the key was being read may have missed this entry: drop it again.
        if (Generation != generationBeforeRead)
        {
            _entries.TryRemove(secretHash, out _);
        }
    }

    /// <summary>Called for every revocation notification (from any instance, this one included).</summary>
    public void Evict(string keyId)
    {
        Interlocked.Increment(ref _generation);
        foreach (var (hash, entry) in _entries)
        {
            if (entry.Key.Id == keyId)
            {
                _entries.TryRemove(hash, out _);
            }
        }

        if (_awaitedRevocations.TryRemove(keyId, out var waiter))
        {
            waiter.TrySetResult();
        }
    }

    public void SetSubscribed(bool subscribed)
    {
        if (!subscribed)
        {
            _subscribed = false;
        }

        Interlocked.Increment(ref _generation);
        _entries.Clear();
        _subscribed = subscribed;
    }

    /// <summary>
    /// Call before revoking: completes when this instance has received the revocation notification. PostgreSQL sends a
    /// notification to every listener at commit, so once this instance has it, the others have been sent it too.
    /// </summary>
    public Task RevocationSeenAsync(string? keyId) =>
        Enabled && !string.IsNullOrEmpty(keyId) ? _awaitedRevocations.GetOrAdd(keyId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task : Task.CompletedTask;

    /// <summary>Waits for <paramref name="seen"/> (from <see cref="RevocationSeenAsync"/>) at most two seconds.</summary>
    public async Task WaitBrieflyAsync(Task seen, CancellationToken ct)
    {
        try
        {
            await seen.WaitAsync(RevocationWait, clock, ct);
        }
        catch (TimeoutException)
        {
            // The subscription is slow or gone; a lost subscription disables the cache, so nothing stale is served.
        }
    }

    public void ForgetRevocationWait(string? keyId)
    {
        if (!string.IsNullOrEmpty(keyId))
        {
            _awaitedRevocations.TryRemove(keyId, out _);
        }
    }

    private sealed record Entry(VerifiedApiKey Key, DateTimeOffset ExpiresAt);
}
