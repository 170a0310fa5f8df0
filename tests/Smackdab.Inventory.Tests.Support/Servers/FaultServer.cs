using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Smackdab.Inventory.Tests.Support.Servers;

/// <summary>What the fault server does with one request.</summary>
public abstract record Fault
{
    public static Fault Answer(int status, string body = "{}", int? retryAfterSeconds = null) => new StatusFault(status, body, retryAfterSeconds);

    public static Fault Ok(string body = "{\"ok\":true}") => new StatusFault(200, body, null);

    /// <summary>Never answers; the caller's timeout must end the call.</summary>
    public static Fault Hang() => new HangFault();

    /// <summary>Aborts the connection without a response.</summary>
    public static Fault Drop() => new DropFault();

    /// <summary>Answers 200 with <paramref name="body"/> after <paramref name="delay"/> (a slow but healthy endpoint).</summary>
    public static Fault Slow(TimeSpan delay, string body = "{\"ok\":true}") => new SlowFault(delay, body);
}

public sealed record StatusFault(int Status, string Body, int? RetryAfterSeconds) : Fault;

public sealed record HangFault : Fault;

public sealed record DropFault : Fault;

public sealed record SlowFault(TimeSpan Delay, string Body) : Fault;

/// <summary>One request the server received, stamped with the test's clock.</summary>
public sealed record ReceivedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body, DateTimeOffset At);

/// <summary>
/// A real HTTP server on loopback that answers scripted faults: queued answers per path (then the path's default), 401
/// for a bearer token it does not currently accept, and an OAuth token endpoint at /oauth/token that rotates tokens.
/// </summary>
public sealed class FaultServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Fault>> _scripts = new();
    private readonly ConcurrentDictionary<string, Fault> _defaults = new();
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly Channel<ReceivedRequest> _arrivals = Channel.CreateUnbounded<ReceivedRequest>();
    private readonly ConcurrentQueue<IReadOnlyDictionary<string, string>> _tokenRequests = new();
    private int _tokenSerial;

    private FaultServer(WebApplication app, TimeProvider clock)
    {
        _app = app;
        _clock = clock;
    }

    public string BaseUrl { get; private set; } = "";

    /// <summary>When set, resource paths answer 401 unless "Authorization: Bearer {this}".</summary>
    public string? AcceptedToken { get; set; }

    /// <summary>When set, the token endpoint answers with this status instead of issuing tokens.</summary>
    public int? TokenEndpointStatus { get; set; }

    public IReadOnlyList<ReceivedRequest> Received => _received.ToList();

    public IReadOnlyList<IReadOnlyDictionary<string, string>> TokenRequests => _tokenRequests.ToList();

    public string? LastIssuedRefreshToken { get; private set; }

    public static async Task<FaultServer> StartAsync(TimeProvider clock)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new FaultServer(app, clock);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return server;
    }

    public void Enqueue(string path, params Fault[] faults)
    {
        var queue = _scripts.GetOrAdd(path, _ => new ConcurrentQueue<Fault>());
        foreach (var fault in faults)
        {
            queue.Enqueue(fault);
        }
    }

    public void SetDefault(string path, Fault fault) => _defaults[path] = fault;

    public int CountFor(string path) => _received.Count(r => r.Path == path);

    /// <summary>Forgets the arrivals reported so far.</summary>
    public void ForgetArrivals()
    {
        while (_arrivals.Reader.TryRead(out _))
        {
        }
    }

    /// <summary>Waits (real time, bounded) for the next request to arrive.</summary>
    public async Task<ReceivedRequest> NextArrivalAsync(TimeSpan? within = null)
    {
        using var cts = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(20));
        return await _arrivals.Reader.ReadAsync(cts.Token);
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (context.Request.Path == "/oauth/token")
        {
            await TokenAsync(context);
            return;
        }

        var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
        var path = context.Request.Path.Value ?? "/";
        var received = new ReceivedRequest(
            context.Request.Method,
            path,
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body,
            _clock.GetUtcNow());
        _received.Enqueue(received);
        _arrivals.Writer.TryWrite(received);

        if (AcceptedToken is { } token && received.Headers.GetValueOrDefault("Authorization") != $"Bearer {token}")
        {
            context.Response.StatusCode = 401;
            await context.Response.WriteAsync("{\"error\":\"invalid_token\"}");
            return;
        }

        var fault = _scripts.TryGetValue(path, out var queue) && queue.TryDequeue(out var next)
            ? next
            : _defaults.GetValueOrDefault(path) ?? Fault.Ok();
        switch (fault)
        {
            case StatusFault status:
                context.Response.StatusCode = status.Status;
                context.Response.ContentType = "application/json";
                if (status.RetryAfterSeconds is { } seconds)
                {
                    context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                await context.Response.WriteAsync(status.Body);
                break;
            case HangFault:
                try
                {
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                }

                break;
            case DropFault:
                context.Abort();
                break;
            case SlowFault slow:
                try
                {
                    await Task.Delay(slow.Delay, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(slow.Body);
                break;
        }
    }

    private async Task TokenAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync();
        var fields = form.ToDictionary(f => f.Key, f => f.Value.ToString());
        fields["authorization"] = context.Request.Headers.Authorization.ToString();
        _tokenRequests.Enqueue(fields);
        if (TokenEndpointStatus is { } refused)
        {
            context.Response.StatusCode = refused;
            await context.Response.WriteAsync("{\"error\":\"invalid_grant\"}");
            return;
        }

        var serial = Interlocked.Increment(ref _tokenSerial);
        var access = $"at_{serial}";
        LastIssuedRefreshToken = $"rt_{serial}";
        AcceptedToken = access;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync($"{{\"access_token\":\"{access}\",\"refresh_token\":\"{LastIssuedRefreshToken}\",\"expires_in\":3600,\"token_type\":\"Bearer\"}}");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
