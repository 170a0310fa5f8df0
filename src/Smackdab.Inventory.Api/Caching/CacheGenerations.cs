using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using Npgsql;
using Smackdab.Inventory.Api.Hosting;
using Smackdab.Inventory.Api.RateLimiting;
using Smackdab.Inventory.Domain.Features.Caching;
using StackExchange.Redis;

namespace Smackdab.Inventory.Api.Caching;

/// <summary>
/// The version of each organization's products, locations and stock that cache keys are built from. A version is the
/// sequence number of the last committed change to that data (the outbox numbers every change in commit order per
/// organization), so every instance computes the same number and a committed write always moves it.
/// <para>
/// Why versions and not deletes: a reader takes the version <em>before</em> it reads the database and stores what it read
/// under that version. A write that commits in between raises the version after its commit, so the entry the reader stores
/// is one nobody will ask for again — deleting entries could not guarantee that.
/// </para>
/// <para>
/// Where versions come from: (1) this instance's own commits, raised after the commit and before the request answers;
/// (2) every instance's commits through PostgreSQL <c>NOTIFY</c> on <c>inventory_cache</c>, delivered at commit
/// (<see cref="CacheInvalidationListener"/>); (3) with Redis, a hash per organization that writers raise after commit and
/// readers consult on every read, so a read on another instance right after a write's answer sees the new version even
/// before its notification arrives; (4) for an organization this process has not seen yet, the organization's last event
/// sequence from the database, which is at least every version. Without Redis, other instances see a write when its
/// notification arrives (milliseconds). The cache is used only while the notification subscription is up.
/// </para>
/// </summary>
public sealed class CacheGenerations(
    RedisConnection redis,
    DatabaseConnectionString database,
    IOptions<CacheOptions> options,
    ILogger<CacheGenerations> logger) : ICommittedChangeObserver
{
    // Raise every listed field to its value if that is higher, atomically: versions never go back.
    private const string RaiseScript =
        """
        for i = 1, #ARGV - 1, 2 do
          local current = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '0')
          if tonumber(ARGV[i + 1]) > current then
            redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
          end
        end
        redis.call('PEXPIRE', KEYS[1], ARGV[#ARGV])
        return 1
        """;

    private static readonly long RedisKeyMilliseconds = (long)TimeSpan.FromDays(1).TotalMilliseconds;

    private readonly ConcurrentDictionary<string, KnownVersions> _known = new(StringComparer.Ordinal);
    private long _epoch;
    private volatile bool _subscribed;
    private int _redisFailing;

    public bool Enabled => _subscribed && options.Value.Enabled;

    /// <summary>
    /// The version of <paramref name="data"/> for <paramref name="organizationId"/>, as a key fragment (<c>p12.i40</c>), or
    /// null when the cache cannot be trusted right now (no subscription, Redis configured but failing). <c>Head</c> is the
    /// highest version of any kind: every change up to it is committed (every change moves at least one kind), so a
    /// database read that starts now sees all of them — a change feed position the answer is at least as new as.
    /// </summary>
    public async ValueTask<(string Key, long Head)?> VersionAsync(string organizationId, CachedData data, CancellationToken ct)
    {
        if (!Enabled)
        {
            return null;
        }

        var known = await KnownAsync(organizationId, ct);
        if (known is null)
        {
            return null;
        }

        var versions = new long[3];
        versions[0] = known.Get(CachedData.Products);
        versions[1] = known.Get(CachedData.Locations);
        versions[2] = known.Get(CachedData.Inventory);
        if (redis.IsConfigured)
        {
            RedisValue[] shared;
            try
            {
                var connection = await redis.GetAsync();
                shared = await connection.GetDatabase().HashGetAsync(RedisKey(organizationId), Fields).WaitAsync(ct);
                RedisAnswered();
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                RedisFailed(e);
                return null;
            }

            for (var i = 0; i < 3; i++)
            {
                if (shared[i].TryParse(out long value) && value > versions[i])
                {
                    versions[i] = value;
                }
            }
        }

        var key = new StringBuilder(24);
        for (var i = 0; i < 3; i++)
        {
            if (data.HasFlag(CachedDataTags.Names[i].Data))
            {
                key.Append(CachedDataTags.Names[i].Name[0]).Append(versions[i].ToString(CultureInfo.InvariantCulture)).Append('.');
            }
        }

        return (key.ToString(), versions.Max());
    }

    /// <summary>This instance's commits: raise the versions here and in Redis before the request answers.</summary>
    public async ValueTask OnCommittedAsync(IReadOnlyList<CommittedChange> changes)
    {
        foreach (var change in changes)
        {
            Observe(change.OrganizationId, change.Sequence, change.Data);
        }

        if (!redis.IsConfigured || !options.Value.Enabled)
        {
            return;
        }

        try
        {
            var connection = await redis.GetAsync();
            var db = connection.GetDatabase();
            foreach (var change in changes)
            {
                var args = new List<RedisValue>();
                foreach (var (kind, name) in CachedDataTags.Names)
                {
                    if (change.Data.HasFlag(kind))
                    {
                        args.Add(name);
                        args.Add(change.Sequence);
                    }
                }

                args.Add(RedisKeyMilliseconds);
                await db.ScriptEvaluateAsync(RaiseScript, [RedisKey(change.OrganizationId)], [.. args]);
            }

            RedisAnswered();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // The change is committed; its notification still raises the version on every listening instance.
            RedisFailed(e);
        }
    }

    /// <summary>A committed change, from this instance or (through the notification) any other.</summary>
    public void Observe(string organizationId, long sequence, CachedData data)
    {
        // Organizations not seen yet are read from the database on first use, which includes this change.
        if (_known.TryGetValue(organizationId, out var known))
        {
            known.Raise(data, sequence);
        }
    }

    /// <summary>Called by the listener: a lost subscription may have missed changes, so everything known is forgotten.</summary>
    public void SetSubscribed(bool subscribed)
    {
        _subscribed = false;
        Interlocked.Increment(ref _epoch);
        _known.Clear();
        _subscribed = subscribed;
    }

    private async ValueTask<KnownVersions?> KnownAsync(string organizationId, CancellationToken ct)
    {
        var epoch = Interlocked.Read(ref _epoch);
        if (_known.TryGetValue(organizationId, out var known) && known.Ready)
        {
            return known;
        }

        if (_known.Count >= options.Value.MaxOrganizations)
        {
            _known.Clear();
        }

        // Registered before the database read, so that a notification arriving meanwhile is not lost.
        known = _known.GetOrAdd(organizationId, _ => new KnownVersions());
        var last = await LastSequenceAsync(organizationId, ct);
        known.Raise(CachedData.All, last);
        known.Ready = true;
        return Interlocked.Read(ref _epoch) == epoch && _subscribed ? known : null;
    }

    private async Task<long> LastSequenceAsync(string organizationId, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(database.Value);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SELECT last_sequence FROM event_sequences WHERE organization_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = organizationId });
        return await command.ExecuteScalarAsync(ct) is long value ? value : 0;
    }

    private string RedisKey(string organizationId) => options.Value.RedisKeyPrefix + "version:" + organizationId;

    private static readonly RedisValue[] Fields = [.. CachedDataTags.Names.Select(n => (RedisValue)n.Name)];

    private void RedisFailed(Exception e)
    {
        if (Interlocked.Exchange(ref _redisFailing, 1) == 0)
        {
            logger.LogWarning(e, "Redis is unavailable to the read cache; reads go to the database until it answers again");
        }
    }

    private void RedisAnswered()
    {
        if (Volatile.Read(ref _redisFailing) == 1 && Interlocked.Exchange(ref _redisFailing, 0) == 1)
        {
            logger.LogInformation("Redis answers the read cache again");
        }
    }

    /// <summary>One organization's versions; they only ever rise.</summary>
    private sealed class KnownVersions
    {
        private long _products;
        private long _locations;
        private long _inventory;

        public volatile bool Ready;

        public long Get(CachedData kind) => kind switch
        {
            CachedData.Products => Volatile.Read(ref _products),
            CachedData.Locations => Volatile.Read(ref _locations),
            _ => Volatile.Read(ref _inventory),
        };

        public void Raise(CachedData data, long sequence)
        {
            if (data.HasFlag(CachedData.Products))
            {
                RaiseTo(ref _products, sequence);
            }

            if (data.HasFlag(CachedData.Locations))
            {
                RaiseTo(ref _locations, sequence);
            }

            if (data.HasFlag(CachedData.Inventory))
            {
                RaiseTo(ref _inventory, sequence);
            }
        }

        private static void RaiseTo(ref long field, long value)
        {
            var current = Volatile.Read(ref field);
            while (value > current)
            {
                var seen = Interlocked.CompareExchange(ref field, value, current);
                if (seen == current)
                {
                    return;
                }

                current = seen;
            }
        }
    }
}
