using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Smackdab.Inventory.Tests.Support.Webhooks;

/// <summary>One request as the receiver saw it: a copy of its headers and its raw body.</summary>
public sealed record ReceivedWebhook(string Path, HeaderDictionary Headers, string Body, DateTimeOffset ReceivedAt, int AnsweredWith)
{
    public string Id => Headers["webhook-id"].ToString();
}

/// <summary>
/// A real HTTP endpoint (Kestrel on 127.0.0.1, a free port) that records every webhook it receives. Each path answers 200
/// unless a test scripts other answers (status codes, or a delay longer than the sender's timeout) for its next calls.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Answer>> _scripts = new();
    private readonly ConcurrentDictionary<string, int> _defaults = new();

    /// <summary>The status recorded for a request whose connection was dropped (<see cref="ScriptDrop"/>).</summary>
    public const int DroppedStatus = 0;

    private WebhookReceiver(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/{**path}", receiver.HandleAsync);
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>();
        receiver.BaseUrl = addresses.Addresses.First().TrimEnd('/');
        return receiver;
    }

    /// <summary>A fresh path on this receiver, for one subscription.</summary>
    public string NewUrl(out string path)
    {
        path = "/hooks/" + Guid.NewGuid().ToString("N");
        return BaseUrl + path;
    }

    /// <summary>The next calls to <paramref name="path"/> answer these status codes in turn; later calls answer the default.</summary>
    public void Script(string path, params int[] statuses)
    {
        var queue = _scripts.GetOrAdd(path, _ => new ConcurrentQueue<Answer>());
        foreach (var status in statuses)
        {
            queue.Enqueue(new Answer(status, TimeSpan.Zero));
        }
    }

    /// <summary>The next call to <paramref name="path"/> waits <paramref name="delay"/> before answering 200.</summary>
    public void ScriptDelay(string path, TimeSpan delay) =>
        _scripts.GetOrAdd(path, _ => new ConcurrentQueue<Answer>()).Enqueue(new Answer(200, delay));

    /// <summary>The next call to <paramref name="path"/> has its connection aborted without an answer (recorded with status 0).</summary>
    public void ScriptDrop(string path) =>
        _scripts.GetOrAdd(path, _ => new ConcurrentQueue<Answer>()).Enqueue(new Answer(DroppedStatus, TimeSpan.Zero));

    /// <summary>What calls to <paramref name="path"/> answer once the script is used up (200 unless set).</summary>
    public void SetDefault(string path, int status) => _defaults[path] = status;

    public IReadOnlyList<ReceivedWebhook> For(string path) => _received.Where(r => r.Path == path).ToList();

    /// <summary>Waits until <paramref name="path"/> has received at least <paramref name="count"/> requests.</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(string path, int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (DateTime.UtcNow < deadline)
        {
            var received = For(path);
            if (received.Count >= count)
            {
                return received;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"{path} received {For(path).Count} webhooks, expected {count}");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var path = context.Request.Path.Value ?? "";
        var answer = _scripts.TryGetValue(path, out var queue) && queue.TryDequeue(out var scripted)
            ? scripted
            : new Answer(_defaults.GetValueOrDefault(path, 200), TimeSpan.Zero);
        var headers = new HeaderDictionary();
        foreach (var (name, value) in context.Request.Headers)
        {
            headers[name] = value;
        }

        _received.Enqueue(new ReceivedWebhook(path, headers, body, DateTimeOffset.UtcNow, answer.Status));
        if (answer.Status == DroppedStatus)
        {
            context.Abort();
            return;
        }

        if (answer.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(answer.Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        context.Response.StatusCode = answer.Status;
    }

    private sealed record Answer(int Status, TimeSpan Delay);
}
