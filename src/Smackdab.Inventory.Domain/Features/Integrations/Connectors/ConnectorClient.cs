using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using Smackdab.Inventory.Domain.Features.Observability;

namespace Smackdab.Inventory.Domain.Features.Integrations.Connectors;

/// <summary>
/// Calls an external system through its integration's pipeline: retry (Polly, the integration's strategy, retryable
/// classes only, Retry-After honoured) around the shared circuit breaker around a per-attempt timeout (Polly) around
/// the HTTP call with the integration's credentials (an OAuth access token is refreshed once on 401, then the call is
/// sent again). A failed read falls back to the last good response, marked stale.
/// </summary>
public sealed class ConnectorClient(
    ConnectorHttp http,
    CircuitBreakerStore breakers,
    TokenRefresher tokens,
    ConnectorCallLog callLog,
    CredentialProtector protector,
    IOptions<IntegrationOptions> options,
    TimeProvider clock,
    ILogger<ConnectorClient> logger)
{
    private readonly ConcurrentDictionary<string, (int Version, ConnectorPipelines Pipelines)> _pipelines = new();

    /// <summary>Raised before each retry delay (integration id, retry number, delay): logs and tests watch the schedule.</summary>
    public event Action<string, int, TimeSpan>? RetryScheduled;

    public async Task<ConnectorResponse> SendAsync(Integration integration, ConnectorRequest request, CancellationToken ct)
    {
        var started = clock.GetTimestamp();
        var call = new CallState(integration, request, protector.Unprotect(integration.CredentialsCiphertext, integration.Id), integration.CredentialsVersion);
        var pipelines = PipelinesFor(integration);
        try
        {
            var result = await pipelines.Retry.ExecuteAsync(static (state, token) => state.Client.AttemptAsync(state.Call, state.Pipelines, token), (Client: this, Call: call, Pipelines: pipelines), ct);
            var duration = (int)clock.GetElapsedTime(started).TotalMilliseconds;
            if (result.IsSuccess)
            {
                await callLog.RecordAsync(integration, request, result.Status, null, call.Attempts, duration, servedFromCache: false, ct);
                if (request.IsRead)
                {
                    await callLog.CacheAsync(integration, request, result, options.Value.MaxCachedResponseBytes, ct);
                }

                return new ConnectorResponse { StatusCode = result.Status, Body = result.Body, ContentType = result.ContentType, Attempts = call.Attempts, DurationMs = duration };
            }

            // Recorded once, by the catch below.
            throw new IntegrationCallException(
                integration.Id, ConnectorErrorClasses.ForStatus(result.Status), $"The external system answered {result.Status}", result.Status, call.Attempts,
                result.RetryAfter is { } wait ? clock.GetUtcNow().UtcDateTime + wait : null);
        }
        catch (CircuitBreakerOpenException open)
        {
            return await FailAsync(integration, request, call, open, ErrorCodesForLog.CircuitOpen, null, (int)clock.GetElapsedTime(started).TotalMilliseconds, ct);
        }
        catch (IntegrationCallException failed)
        {
            return await FailAsync(integration, request, call, failed, failed.ErrorClass, failed.StatusCode, (int)clock.GetElapsedTime(started).TotalMilliseconds, ct);
        }
        catch (Exception e) when (Classify(e) is { } errorClass && !ct.IsCancellationRequested)
        {
            var failure = new IntegrationCallException(integration.Id, errorClass, Describe(errorClass), null, call.Attempts);
            return await FailAsync(integration, request, call, failure, errorClass, null, (int)clock.GetElapsedTime(started).TotalMilliseconds, ct);
        }
    }

    private async Task<ConnectorResponse> FailAsync(
        Integration integration, ConnectorRequest request, CallState call, Exception failure, string errorClass, int? status, int duration, CancellationToken ct)
    {
        if (request.IsRead && request.AllowStale && await callLog.FindCachedAsync(integration, request, ct) is { } cached)
        {
            logger.LogWarning("Integration {IntegrationId} {Method} {Path} failed with {ErrorClass}; serving the response cached at {CachedAt}", integration.Id, request.Method.Method, request.Path, errorClass, cached.CachedAt);
            await callLog.RecordAsync(integration, request, status, errorClass, call.Attempts, duration, servedFromCache: true, ct);
            return new ConnectorResponse
            {
                StatusCode = cached.StatusCode,
                Body = cached.Body,
                ContentType = cached.ContentType,
                Attempts = call.Attempts,
                DurationMs = duration,
                Stale = true,
                CachedAt = cached.CachedAt,
                FallbackReason = errorClass,
            };
        }

        logger.LogWarning("Integration {IntegrationId} {Method} {Path} failed with {ErrorClass} after {Attempts} attempt(s)", integration.Id, request.Method.Method, request.Path, errorClass, call.Attempts);
        await callLog.RecordAsync(integration, request, status, errorClass, call.Attempts, duration, servedFromCache: false, ct);
        throw failure;
    }

    /// <summary>One attempt: breaker admission, the timed HTTP call, and the outcome recorded on the breaker.</summary>
    private async ValueTask<AttemptResult> AttemptAsync(CallState call, ConnectorPipelines pipelines, CancellationToken ct)
    {
        call.Attempts++;
        await breakers.AdmitAsync(call.Integration, ct);
        OperationsMetrics.RecordIntegrationAttempt(call.Integration);
        try
        {
            var result = await pipelines.Timeout.ExecuteAsync(static (state, token) => state.Client.SendAuthorizedAsync(state.Call, token), (Client: this, Call: call), ct);
            var errorClass = result.IsSuccess ? null : ConnectorErrorClasses.ForStatus(result.Status);
            await breakers.RecordAsync(call.Integration, errorClass is not null && ConnectorErrorClasses.CountsAgainstBreaker(errorClass), errorClass, CancellationToken.None);
            return result;
        }
        catch (Exception e) when (Classify(e) is { } errorClass && !ct.IsCancellationRequested)
        {
            await breakers.RecordAsync(call.Integration, ConnectorErrorClasses.CountsAgainstBreaker(errorClass), errorClass, CancellationToken.None);
            throw;
        }
    }

    private async ValueTask<AttemptResult> SendAuthorizedAsync(CallState call, CancellationToken ct)
    {
        var integration = call.Integration;
        var oauth = integration.AuthType == IntegrationAuthTypes.OAuth2;
        if (oauth && !call.Refreshed && (call.Credentials.AccessToken is null || call.Credentials.AccessTokenExpiresAt <= clock.GetUtcNow().UtcDateTime.AddSeconds(30)))
        {
            await RefreshAsync(call, ct);
        }

        var result = await SendOnceAsync(call, ct);
        if (result.Status == 401 && oauth && !call.Refreshed)
        {
            logger.LogInformation("Integration {IntegrationId} answered 401; refreshing its access token once", integration.Id);
            await RefreshAsync(call, ct);
            result = await SendOnceAsync(call, ct);
        }

        return result;
    }

    private async Task RefreshAsync(CallState call, CancellationToken ct)
    {
        call.Refreshed = true;
        var (credentials, version, _) = await tokens.RefreshAsync(call.Integration, call.CredentialsVersion, overrides: null, ct);
        call.Credentials = credentials;
        call.CredentialsVersion = version;
    }

    private async Task<AttemptResult> SendOnceAsync(CallState call, CancellationToken ct)
    {
        var integration = call.Integration;
        using var message = new HttpRequestMessage(call.Request.Method, integration.BaseUrl + call.Request.Path);
        if (call.Request.JsonBody is not null)
        {
            message.Content = new StringContent(call.Request.JsonBody, Encoding.UTF8, "application/json");
        }

        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (call.Request.IdempotencyKey is { } key)
        {
            message.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }

        var credentials = call.Credentials;
        switch (integration.AuthType)
        {
            case IntegrationAuthTypes.ApiKey when credentials.ApiKeyHeader is { Length: > 0 } header:
                message.Headers.TryAddWithoutValidation(header, credentials.ApiKey);
                break;
            case IntegrationAuthTypes.ApiKey:
                message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credentials.ApiKey);
                break;
            case IntegrationAuthTypes.OAuth2 when credentials.AccessToken is not null:
                message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credentials.AccessToken);
                break;
        }

        using var response = await http.Client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct);
        var body = await ReadBodyAsync(response, options.Value.MaxResponseBytes, ct);
        return new AttemptResult((int)response.StatusCode, body, response.Content.Headers.ContentType?.ToString(), RetryAfter(response));
    }

    private static async Task<string> ReadBodyAsync(HttpResponseMessage response, int limit, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[Math.Min(limit, 64 * 1024)];
        using var collected = new MemoryStream();
        int read;
        while ((read = await stream.ReadAsync(buffer, ct)) > 0)
        {
            if (collected.Length + read > limit)
            {
                throw new HttpRequestException($"The response exceeds {limit} bytes");
            }

            collected.Write(buffer, 0, read);
        }

        return Encoding.UTF8.GetString(collected.GetBuffer(), 0, (int)collected.Length);
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        return header?.Date is { } date ? (date - clock.GetUtcNow() is { } wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero) : null;
    }

    private ConnectorPipelines PipelinesFor(Integration integration)
    {
        if (_pipelines.TryGetValue(integration.Id, out var cached) && cached.Version == integration.Version)
        {
            return cached.Pipelines;
        }

        var built = Build(integration);
        _pipelines[integration.Id] = (integration.Version, built);
        return built;
    }

    private ConnectorPipelines Build(Integration integration)
    {
        var policy = integration.RetryPolicy;
        var retry = new ResiliencePipelineBuilder<AttemptResult> { TimeProvider = clock };
        if (policy.MaxAttempts > 1)
        {
            retry.AddRetry(new RetryStrategyOptions<AttemptResult>
            {
                MaxRetryAttempts = policy.MaxAttempts - 1,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(policy, args.Outcome)),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
                    args.Outcome.Result?.RetryAfter ?? RetrySchedule.Delay(policy, args.AttemptNumber + 1, Random.Shared)),
                OnRetry = args =>
                {
                    var reason = args.Outcome.Exception is { } e ? Classify(e) : ConnectorErrorClasses.ForStatus(args.Outcome.Result!.Status);
                    logger.LogInformation(
                        "Integration {IntegrationId}: attempt {Attempt} failed with {ErrorClass}; retrying in {DelayMs} ms ({Strategy})",
                        integration.Id, args.AttemptNumber + 1, reason, (int)args.RetryDelay.TotalMilliseconds, policy.Strategy);
                    RetryScheduled?.Invoke(integration.Id, args.AttemptNumber + 1, args.RetryDelay);
                    return default;
                },
            });
        }

        var timeout = new ResiliencePipelineBuilder { TimeProvider = clock }
            .AddTimeout(TimeSpan.FromMilliseconds(integration.TimeoutMs))
            .Build();
        return new ConnectorPipelines(retry.Build(), timeout);
    }

    private static bool ShouldRetry(RetryPolicy policy, Outcome<AttemptResult> outcome)
    {
        string? errorClass;
        if (outcome.Exception is { } e)
        {
            errorClass = Classify(e);
        }
        else if (outcome.Result is { IsSuccess: false } result)
        {
            // A Retry-After longer than the policy's longest wait is honoured by not retrying now.
            if (result.RetryAfter is { } wait && wait > TimeSpan.FromMilliseconds(policy.MaxDelayMs))
            {
                return false;
            }

            errorClass = ConnectorErrorClasses.ForStatus(result.Status);
        }
        else
        {
            return false;
        }

        return errorClass is not null && policy.RetryableErrors.Contains(errorClass) && !policy.NonRetryableErrors.Contains(errorClass);
    }

    /// <summary>The error class of an exception an attempt can end with; null for anything that is not the other side's failure.</summary>
    private static string? Classify(Exception e) => e switch
    {
        TimeoutRejectedException => ConnectorErrorClasses.Timeout,
        HttpRequestException => ConnectorErrorClasses.NetworkError,
        IOException => ConnectorErrorClasses.NetworkError,
        IntegrationCallException failed => failed.ErrorClass,
        _ => null,
    };

    private static string Describe(string errorClass) => errorClass switch
    {
        ConnectorErrorClasses.Timeout => "The external system did not answer in time",
        ConnectorErrorClasses.NetworkError => "The external system could not be reached",
        _ => "The external system call failed",
    };

    private sealed record ConnectorPipelines(ResiliencePipeline<AttemptResult> Retry, ResiliencePipeline Timeout);

    private sealed class CallState(Integration integration, ConnectorRequest request, IntegrationCredentials credentials, int credentialsVersion)
    {
        public Integration Integration { get; } = integration;

        public ConnectorRequest Request { get; } = request;

        public IntegrationCredentials Credentials { get; set; } = credentials;

        public int CredentialsVersion { get; set; } = credentialsVersion;

        public bool Refreshed { get; set; }

        public int Attempts { get; set; }
    }

    private static class ErrorCodesForLog
    {
        public const string CircuitOpen = "CIRCUIT_BREAKER_OPEN";
    }
}

/// <summary>What one attempt got back.</summary>
public sealed record AttemptResult(int Status, string Body, string? ContentType, TimeSpan? RetryAfter)
{
    public bool IsSuccess => Status is >= 200 and < 400;
}
