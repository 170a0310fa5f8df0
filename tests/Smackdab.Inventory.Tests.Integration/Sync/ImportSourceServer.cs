using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Smackdab.Inventory.Tests.Integration.Sync;

/// <summary>
/// A real HTTP server (Kestrel on 127.0.0.1, a free port) that serves import files for ERP imports from a data_url. Each path
/// answers what a test scripts for it (a file, a status, a hang, an oversized body); unscripted paths answer 404. Every
/// request's path and headers are recorded.
/// </summary>
public sealed class ImportSourceServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Func<HttpContext, Task>>> _scripts = new();
    private readonly ConcurrentQueue<(string Path, Dictionary<string, string> Headers)> _requests = new();

    private ImportSourceServer(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    public int Port => new Uri(BaseUrl).Port;

    public static async Task<ImportSourceServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new ImportSourceServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.BaseUrl = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First().TrimEnd('/');
        return server;
    }

    /// <summary>A fresh path; <paramref name="answers"/> answer its requests in turn, the last one repeating.</summary>
    public string Path(params Func<HttpContext, Task>[] answers)
    {
        var path = "/files/" + Guid.NewGuid().ToString("N");
        _scripts[path] = new ConcurrentQueue<Func<HttpContext, Task>>(answers);
        return path;
    }

    public string Url(params Func<HttpContext, Task>[] answers) => BaseUrl + Path(answers);

    public IReadOnlyList<Dictionary<string, string>> RequestsTo(string urlOrPath)
    {
        var path = urlOrPath.StartsWith("http", StringComparison.Ordinal) ? new Uri(urlOrPath).AbsolutePath : urlOrPath;
        return [.. _requests.Where(r => r.Path == path).Select(r => r.Headers)];
    }

    public static Func<HttpContext, Task> File(string content, string contentType = "text/csv") => async context =>
    {
        context.Response.ContentType = contentType;
        await context.Response.WriteAsync(content);
    };

    /// <summary>Raw bytes, with an optional Content-Encoding (the fetcher's HttpClient decodes gzip transport encoding itself).</summary>
    public static Func<HttpContext, Task> Bytes(byte[] content, string contentType, string? contentEncoding = null) => async context =>
    {
        context.Response.ContentType = contentType;
        if (contentEncoding is not null)
        {
            context.Response.Headers.ContentEncoding = contentEncoding;
        }

        context.Response.ContentLength = content.Length;
        try
        {
            await context.Response.Body.WriteAsync(content, context.RequestAborted);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The fetcher hung up (a bounded fetch or decode).
        }
    };

    /// <summary>
    /// Forwards the GET to <paramref name="target"/> (an API host's client) at <paramref name="pathAndQuery"/>, with the caller's
    /// X-API-Key, X-Organization-ID and Authorization headers, and streams back its status, Content-Type, Content-Disposition and body: our own
    /// export download, reached through a real HTTP hop.
    /// </summary>
    public static Func<HttpContext, Task> Proxy(HttpClient target, string pathAndQuery) => async context =>
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
        foreach (var header in new[] { "X-API-Key", "X-Organization-ID", "Authorization" })
        {
            if (context.Request.Headers.TryGetValue(header, out var value))
            {
                request.Headers.TryAddWithoutValidation(header, value.ToString());
            }
        }

        using var response = await target.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
        if (response.Content.Headers.ContentDisposition is { } disposition)
        {
            context.Response.Headers.ContentDisposition = disposition.ToString();
        }

        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    };

    public static Func<HttpContext, Task> Status(int status) => context =>
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    };

    /// <summary>Headers never come: the fetch's timeout must end it.</summary>
    public static Func<HttpContext, Task> Hang() => async context =>
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(60), context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
    };

    /// <summary><paramref name="bytes"/> of CSV-ish text, announced in Content-Length or streamed chunked without one.</summary>
    public static Func<HttpContext, Task> Large(int bytes, bool announceLength) => async context =>
    {
        context.Response.ContentType = "text/csv";
        if (announceLength)
        {
            context.Response.ContentLength = bytes;
        }

        var line = Encoding.ASCII.GetBytes("receipt,SKU-LARGE,loc,1\n");
        var written = 0;
        try
        {
            while (written < bytes)
            {
                var n = Math.Min(line.Length, bytes - written);
                await context.Response.Body.WriteAsync(line.AsMemory(0, n), context.RequestAborted);
                written += n;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The fetcher hung up: that is what a bounded fetch does.
        }
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        _requests.Enqueue((path, context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
        if (!_scripts.TryGetValue(path, out var queue) || !queue.TryPeek(out var answer))
        {
            context.Response.StatusCode = 404;
            return;
        }

        if (queue.Count > 1)
        {
            queue.TryDequeue(out answer);
        }

        await answer!(context);
    }
}
