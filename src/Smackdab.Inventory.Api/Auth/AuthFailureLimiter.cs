using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Smackdab.Inventory.Api.Auth;

/// <summary>
/// Counts failed authentication attempts per client IP and per (credential prefix, client IP) — the prefix being an API key
/// prefix or an OAuth client id — in fixed windows. Once either reaches the limit, further attempts from that IP, or with
/// that prefix from that IP, are refused with 429 until the window ends — before the credential is even checked. Failures
/// from one address never lock the credential out for another. In-process: each instance counts on its own.
/// </summary>
public sealed class AuthFailureLimiter(IOptions<AuthFailureLimitOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);

    private AuthFailureLimitOptions Options => options.Value;

    /// <summary>How long the caller must wait, or null when it may try.</summary>
    public TimeSpan? RetryAfter(string clientIp, string? credentialPrefix)
    {
        var now = clock.GetUtcNow();
        TimeSpan? wait = null;
        foreach (var key in Keys(clientIp, credentialPrefix))
        {
            if (_windows.TryGetValue(key, out var window) && window.BlockedFor(now, Options) is { } blockedFor && (wait is null || blockedFor > wait))
            {
                wait = blockedFor;
            }
        }

        return wait;
    }

    public void RecordFailure(string clientIp, string? credentialPrefix)
    {
        var now = clock.GetUtcNow();
        if (_windows.Count >= Options.MaxTrackedClients)
        {
            Sweep(now);
        }

        foreach (var key in Keys(clientIp, credentialPrefix))
        {
            _windows.GetOrAdd(key, _ => new Window()).Add(now, Options.Window);
        }
    }

    public static string ClientIp(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static IEnumerable<string> Keys(string clientIp, string? credentialPrefix)
    {
        yield return "ip:" + clientIp;
        if (!string.IsNullOrEmpty(credentialPrefix))
        {
            // Per prefix *and* address: prefixes are public (and the platform key's is a constant), so counting a prefix
            // alone would let anyone lock the real credential out by failing with it from elsewhere.
            yield return "cred:" + credentialPrefix + "@" + clientIp;
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, window) in _windows)
        {
            if (window.HasEnded(now, Options.Window))
            {
                _windows.TryRemove(key, out _);
            }
        }

        // Still full (an attack from very many addresses): forget everything rather than grow without bound.
        if (_windows.Count >= Options.MaxTrackedClients)
        {
            _windows.Clear();
        }
    }

    private sealed class Window
    {
        private readonly Lock _lock = new();
        private DateTimeOffset _start;
        private int _count;

        public void Add(DateTimeOffset now, TimeSpan length)
        {
            lock (_lock)
            {
                if (_count == 0 || now >= _start + length)
                {
                    _start = now;
                    _count = 0;
                }

                _count++;
            }
        }

        public TimeSpan? BlockedFor(DateTimeOffset now, AuthFailureLimitOptions options)
        {
            lock (_lock)
            {
                var end = _start + options.Window;
                return _count >= options.PermitLimit && now < end ? end - now : null;
            }
        }

        public bool HasEnded(DateTimeOffset now, TimeSpan length)
        {
            lock (_lock)
            {
                return now >= _start + length;
            }
        }
    }
}
