using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Timeout;
using Smackdab.Inventory.Domain.Features.Outbound;
using Smackdab.Inventory.Domain.Features.Webhooks;

namespace Smackdab.Inventory.Api.Webhooks;

/// <summary>What became of one attempt: an answer (or failure) to record, or no attempt because the circuit is open.</summary>
public sealed record SendResult(DeliveryOutcome? Outcome, DateTime AttemptedAt, TimeSpan? CircuitOpenFor);

/// <summary>
/// Makes one signed HTTP attempt of a delivery through the subscription's Polly pipeline: a circuit breaker per subscription
/// (an endpoint that keeps failing is left alone for a while, without spending its deliveries' attempts) around a per-attempt
/// timeout. The HTTP client is the factory's named client <see cref="ClientName"/>, whose handler connects only to addresses
/// the outbound guard allows (see <see cref="WebhookSetup"/>). Retries are not in the pipeline: they are
/// scheduled in the database (see <see cref="WebhookDeliveryQueue"/>), so they survive restarts and any instance can make them.
/// </summary>
public sealed class WebhookSender : IDisposable
{
    public const string UserAgent = "Smackdab-Webhooks/1.0";

    public const string ClientName = "Smackdab.Webhooks";

    private readonly IHttpClientFactory _clients;
    private readonly ResiliencePipelineRegistry<string> _pipelines;
    private readonly WebhookOptions _options;
    private readonly TimeProvider _clock;

    public WebhookSender(IHttpClientFactory clients, IOptions<WebhookOptions> options, TimeProvider clock)
    {
        _clients = clients;
        _options = options.Value;
        _clock = clock;
        _pipelines = new ResiliencePipelineRegistry<string>(new ResiliencePipelineRegistryOptions<string> { BuilderFactory = () => new ResiliencePipelineBuilder { TimeProvider = clock } });
    }

    public async Task<SendResult> SendAsync(ClaimedDelivery delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var pipeline = _pipelines.GetOrAddPipeline<HttpResponseMessage>(delivery.SubscriptionId, ConfigurePipeline);
        var attemptedAt = _clock.GetUtcNow().UtcDateTime;
        var started = _clock.GetTimestamp();
        int Elapsed() => (int)Math.Round(_clock.GetElapsedTime(started).TotalMilliseconds);
        try
        {
            using var response = await pipeline.ExecuteAsync(token => new ValueTask<HttpResponseMessage>(PostAsync(delivery, token)), ct);
            var code = (int)response.StatusCode;
            var succeeded = code is >= 200 and < 300;
            return new SendResult(new DeliveryOutcome(succeeded, code, Elapsed(), succeeded ? null : $"The endpoint answered {code}"), attemptedAt, null);
        }
        catch (BrokenCircuitException e)
        {
            return new SendResult(null, attemptedAt, e.RetryAfter ?? TimeSpan.FromSeconds(_options.BreakerBreakSeconds));
        }
        catch (TimeoutRejectedException)
        {
            return Failure($"No answer within {_options.AttemptTimeoutSeconds} s");
        }
        catch (HttpRequestException e) when (FindRefusal(e) is { } refused)
        {
            return Failure(refused.Message);
        }
        catch (HttpRequestException e)
        {
            return Failure($"Connection failed: {e.HttpRequestError}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return Failure($"No answer within {_options.AttemptTimeoutSeconds} s");
        }

        SendResult Failure(string error) => new(new DeliveryOutcome(false, null, Elapsed(), error), attemptedAt, null);
    }

    public void Dispose() => _pipelines.Dispose();

    private async Task<HttpResponseMessage> PostAsync(ClaimedDelivery delivery, CancellationToken ct)
    {
        var timestamp = _clock.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url)
        {
            Content = new StringContent(delivery.Payload, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.TryAddWithoutValidation(WebhookSignature.IdHeader, delivery.EventId);
        request.Headers.TryAddWithoutValidation(WebhookSignature.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(WebhookSignature.SignatureHeader, WebhookSignature.StandardSignatures(delivery.EventId, timestamp, delivery.Payload, delivery.SigningKeys));
        request.Headers.TryAddWithoutValidation(WebhookSignature.LegacySignatureHeader, WebhookSignature.BodySignature(delivery.Payload, delivery.SigningKeys[0]));
        request.Headers.UserAgent.ParseAdd(UserAgent);
        // Headers only: the answer's body is not needed, and an endless one must not hold the attempt.
        return await _clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    }

    private void ConfigurePipeline(ResiliencePipelineBuilder<HttpResponseMessage> builder)
    {
        builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                FailureRatio = _options.BreakerFailureRatio,
                MinimumThroughput = _options.BreakerMinimumThroughput,
                SamplingDuration = TimeSpan.FromSeconds(Math.Max(_options.BreakerSamplingSeconds, 0.5)),
                BreakDuration = TimeSpan.FromSeconds(_options.BreakerBreakSeconds),
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(r => (int)r.StatusCode is < 200 or >= 300),
            })
            .AddTimeout(TimeSpan.FromSeconds(_options.AttemptTimeoutSeconds));
    }

    private static OutboundTargetRefusedException? FindRefusal(Exception? e)
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
}
