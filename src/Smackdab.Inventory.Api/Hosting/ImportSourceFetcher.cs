using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using Smackdab.Inventory.Domain.Features.Outbound;
using Smackdab.Inventory.Domain.Features.Sync.Imports;

namespace Smackdab.Inventory.Api.Hosting;

/// <summary>
/// Fetches the data_url of an ERP import (called by the import worker, never on a request thread). Each attempt runs inside a
/// Polly timeout (connect, headers and body together); transient failures (connection errors, timeouts, 408, 429, 5xx) are
/// retried a bounded number of times with exponential back-off. The body is streamed to disk, hashed on the way, and cut off
/// at <see cref="ImportOptions.UrlMaxBytes"/>. The named client's handler is the outbound guard's, so the address is judged
/// when the connection is made (no private targets unless <c>Webhooks:AllowPrivateTargets</c>), no proxy, no redirects.
/// </summary>
public sealed class ImportSourceFetcher : IImportSourceFetcher
{
    public const string ClientName = "import-source";
    public const string UserAgent = "Smackdab-Imports/1.0";

    private readonly IHttpClientFactory _clients;
    private readonly ImportOptions _options;
    private readonly ResiliencePipeline _pipeline;
    private readonly ILogger<ImportSourceFetcher> _logger;

    public ImportSourceFetcher(IHttpClientFactory clients, IOptions<ImportOptions> options, TimeProvider clock, ILogger<ImportSourceFetcher> logger)
    {
        _clients = clients;
        _options = options.Value;
        _logger = logger;
        var builder = new ResiliencePipelineBuilder { TimeProvider = clock };
        if (_options.UrlFetchMaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = _options.UrlFetchMaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                Delay = TimeSpan.FromMilliseconds(_options.UrlRetryDelayMilliseconds),
                UseJitter = true,
                ShouldHandle = new PredicateBuilder().Handle<TransientFetchException>().Handle<TimeoutRejectedException>(),
                OnRetry = args =>
                {
                    _logger.LogWarning("Import source fetch attempt {Attempt} failed ({Reason}); retrying in {Delay}", args.AttemptNumber + 1, args.Outcome.Exception?.Message, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            });
        }

        _pipeline = builder.AddTimeout(TimeSpan.FromSeconds(_options.UrlFetchTimeoutSeconds)).Build();
    }

    /// <summary>The named client: the guard's connect-time address check, no proxy, no redirects, decoded gzip/deflate/brotli.</summary>
    public static IServiceCollection AddImportSourceClient(IServiceCollection services)
    {
        services.AddHttpClient(ClientName, (sp, client) =>
            {
                // The pipeline's timeout governs; this only backs it up.
                client.Timeout = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<ImportOptions>>().Value.UrlFetchTimeoutSeconds + 10);
                client.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
            })
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var policy = sp.GetRequiredService<IOptions<OutboundOptions>>().Value.Policy;
                var connect = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<ImportOptions>>().Value.UrlConnectTimeoutSeconds);
                var handler = sp.GetRequiredService<OutboundUrlGuard>().CreateHandler(policy, connect);
                handler.AutomaticDecompression = DecompressionMethods.All;
                return handler;
            });
        services.AddSingleton<IImportSourceFetcher, ImportSourceFetcher>();
        return services;
    }

    public async Task<FetchedImportSource> FetchAsync(ImportSourceRequest request, string path, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            return await _pipeline.ExecuteAsync(token => new ValueTask<FetchedImportSource>(AttemptAsync(request, path, token)), ct);
        }
        catch (TimeoutRejectedException)
        {
            throw new ImportSourceException($"The source did not deliver the file within {_options.UrlFetchTimeoutSeconds} s");
        }
        catch (TransientFetchException e)
        {
            throw new ImportSourceException(e.Message);
        }
    }

    private async Task<FetchedImportSource> AttemptAsync(ImportSourceRequest request, string path, CancellationToken ct)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, request.Url);
        if (request.HeaderName is not null && request.HeaderValue is not null)
        {
            message.Headers.TryAddWithoutValidation(request.HeaderName, request.HeaderValue);
        }

        foreach (var (name, value) in request.ExtraHeaders ?? new Dictionary<string, string>())
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        var client = _clients.CreateClient(ClientName);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException e) when (Refusal(e) is { } refused)
        {
            throw new ImportSourceException(refused.Message);
        }
        catch (HttpRequestException e)
        {
            throw new TransientFetchException($"Could not connect to the source ({e.HttpRequestError})");
        }

        using (response)
        {
            var code = (int)response.StatusCode;
            if (code is 408 or 429 or >= 500)
            {
                throw new TransientFetchException($"The source answered {code} {response.ReasonPhrase}");
            }

            if (code is >= 300 and < 400)
            {
                throw new ImportSourceException($"The source answered {code} {response.ReasonPhrase}; redirects are not followed, use the final URL");
            }

            if (code is < 200 or >= 300)
            {
                throw new ImportSourceException($"The source answered {code} {response.ReasonPhrase}");
            }

            if (response.Content.Headers.ContentLength is { } length && length > _options.UrlMaxBytes)
            {
                throw new ImportSourceException($"The source's file is {length} bytes, above the limit of {_options.UrlMaxBytes} bytes");
            }

            try
            {
                var (size, sha) = await CopyAsync(await response.Content.ReadAsStreamAsync(ct), path, ct);
                return new FetchedImportSource(size, sha, response.Content.Headers.ContentType?.MediaType);
            }
            catch (Exception e) when (e is IOException or HttpRequestException && !ct.IsCancellationRequested)
            {
                throw new TransientFetchException($"The source's answer broke off ({e.GetType().Name})");
            }
        }
    }

    private async Task<(long Size, string Sha256)> CopyAsync(Stream body, string path, CancellationToken ct)
    {
        await using (body)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true);
            var buffer = new byte[64 * 1024];
            long size = 0;
            int read;
            while ((read = await body.ReadAsync(buffer, ct)) > 0)
            {
                size += read;
                if (size > _options.UrlMaxBytes)
                {
                    throw new ImportSourceException($"The source's file is larger than the limit of {_options.UrlMaxBytes} bytes");
                }

                hash.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), ct);
            }

            return (size, Convert.ToHexStringLower(hash.GetHashAndReset()));
        }
    }

    private static OutboundTargetRefusedException? Refusal(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is OutboundTargetRefusedException refused)
            {
                return refused;
            }
        }

        return null;
    }

    /// <summary>A failure worth another attempt; after the last attempt its message becomes the job's error.</summary>
    private sealed class TransientFetchException(string message) : Exception(message);
}
