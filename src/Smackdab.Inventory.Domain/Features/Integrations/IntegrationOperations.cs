using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Integrations.Connectors;

namespace Smackdab.Inventory.Domain.Features.Integrations;

public sealed record AuthRefreshRequest
{
    public string? RefreshToken { get; init; }

    public string? ClientId { get; init; }

    public string? ClientSecret { get; init; }
}

public sealed record CircuitBreakerResponse
{
    public string IntegrationId { get; init; } = "";

    public string CircuitState { get; init; } = "";

    public int FailureCount { get; init; }

    public int WindowCalls { get; init; }

    public int WindowFailures { get; init; }

    public double FailureRate { get; init; }

    public DateTime? OpenedAt { get; init; }

    public DateTime? LastFailureAt { get; init; }

    public string? LastFailureClass { get; init; }

    public DateTime? LastSuccessAt { get; init; }

    /// <summary>When an open breaker lets a test call through.</summary>
    public DateTime? RetryAfter { get; init; }

    public int HalfOpenCallsUsed { get; init; }

    public int HalfOpenSuccesses { get; init; }

    public CircuitBreakerDto Settings { get; init; } = new();
}

public sealed record CircuitBreakerResetResponse(string CircuitState, int TestCallsAllowed, string MonitoringWindow);

public sealed record IntegrationHealthResponse
{
    /// <summary>healthy, degraded or circuit_open.</summary>
    public string Status { get; init; } = "";

    public int? ResponseTimeMs { get; init; }

    public DateTime? LastSuccessfulCall { get; init; }

    public string CircuitState { get; init; } = "";

    public DateTime CheckedAt { get; init; }

    /// <summary>Why the check failed (NETWORK_ERROR, TIMEOUT, …); null when healthy.</summary>
    public string? ErrorClass { get; init; }
}

public static class IntegrationHealthStatuses
{
    public const string Healthy = "healthy";
    public const string Degraded = "degraded";
    public const string CircuitOpen = "circuit_open";
}

/// <summary>The spec's operations on an integration: token refresh, breaker inspection and reset, health.</summary>
public sealed class IntegrationOperationsService(
    IntegrationService integrations,
    CircuitBreakerStore breakers,
    TokenRefresher tokens,
    ConnectorClient connector,
    Data.InventoryDbContext db,
    TimeProvider clock)
{
    /// <summary>A health check slower than this reports degraded.</summary>
    public const int DegradedAfterMs = 1000;

    public async Task<TokenRefreshResult> RefreshTokenAsync(string id, AuthRefreshRequest request, CancellationToken ct)
    {
        var integration = await integrations.FindAsync(id, ct);
        if (integration.AuthType != IntegrationAuthTypes.OAuth2)
        {
            throw new ConflictException("The integration does not use OAuth 2.0", new Dictionary<string, object?> { ["authentication.type"] = integration.AuthType });
        }

        var overrides = new AuthenticationRequest { RefreshToken = request.RefreshToken, ClientId = request.ClientId, ClientSecret = request.ClientSecret };
        var (_, _, issued) = await tokens.RefreshAsync(integration, knownVersion: null, overrides, ct);
        return issued!;
    }

    public async Task<CircuitBreakerResponse> GetBreakerAsync(string id, CancellationToken ct)
    {
        var integration = await integrations.FindAsync(id, ct);
        return Describe(integration, await breakers.GetAsync(integration, ct));
    }

    public async Task<CircuitBreakerResetResponse> ResetBreakerAsync(string id, CancellationToken ct)
    {
        var integration = await integrations.FindAsync(id, ct);
        var state = await breakers.ResetAsync(integration, ct);
        // A push waiting for the breaker tries again at once: the reset is the operator saying the system is back.
        await db.IntegrationPushes.Where(p => p.IntegrationId == integration.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.NextAttemptAt, (DateTime?)null), ct);
        return new CircuitBreakerResetResponse(state.State, integration.CircuitBreaker.HalfOpenMaxCalls, Durations.Describe(integration.CircuitBreaker.MonitoringWindowMs));
    }

    public async Task<IntegrationHealthResponse> CheckHealthAsync(string id, CancellationToken ct)
    {
        var integration = await integrations.FindAsync(id, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        try
        {
            var response = await connector.SendAsync(integration, new ConnectorRequest(HttpMethod.Get, integration.HealthPath) { AllowStale = false }, ct);
            var state = await breakers.GetAsync(integration, ct);
            return new IntegrationHealthResponse
            {
                Status = response.DurationMs > DegradedAfterMs ? IntegrationHealthStatuses.Degraded : IntegrationHealthStatuses.Healthy,
                ResponseTimeMs = response.DurationMs,
                LastSuccessfulCall = clock.GetUtcNow().UtcDateTime,
                CircuitState = state.State,
                CheckedAt = now,
            };
        }
        catch (Exception e) when (e is CircuitBreakerOpenException or IntegrationCallException)
        {
            var state = await breakers.GetAsync(integration, ct);
            var reloaded = await integrations.FindAsync(id, ct);
            return new IntegrationHealthResponse
            {
                Status = state.State == CircuitStates.Open ? IntegrationHealthStatuses.CircuitOpen : IntegrationHealthStatuses.Degraded,
                LastSuccessfulCall = reloaded.LastSuccessfulCallAt,
                CircuitState = state.State,
                CheckedAt = now,
                ErrorClass = e is IntegrationCallException failed ? failed.ErrorClass : ErrorCodes.CircuitBreakerOpen,
            };
        }
    }

    public static CircuitBreakerResponse Describe(Integration integration, CircuitBreakerState s) => new()
    {
        IntegrationId = integration.Id,
        CircuitState = s.State,
        FailureCount = s.FailureCount,
        WindowCalls = s.WindowCalls,
        WindowFailures = s.WindowFailures,
        FailureRate = s.WindowCalls == 0 ? 0 : Math.Round((double)s.WindowFailures / s.WindowCalls, 4),
        OpenedAt = s.OpenedAt,
        LastFailureAt = s.LastFailureAt,
        LastFailureClass = s.LastFailureClass,
        LastSuccessAt = s.LastSuccessAt,
        RetryAfter = s.State == CircuitStates.Open ? CircuitBreakerRules.RetryAt(s, integration.CircuitBreaker) : null,
        HalfOpenCallsUsed = s.HalfOpenCalls,
        HalfOpenSuccesses = s.HalfOpenSuccesses,
        Settings = CircuitBreakerDto.From(integration.CircuitBreaker),
    };
}

/// <summary>"5 minutes", "1 minute", "90 seconds": the spec writes durations for people.</summary>
public static class Durations
{
    public static string Describe(int milliseconds)
    {
        if (milliseconds % 3_600_000 == 0)
        {
            return Plural(milliseconds / 3_600_000, "hour");
        }

        if (milliseconds % 60_000 == 0)
        {
            return Plural(milliseconds / 60_000, "minute");
        }

        return milliseconds % 1000 == 0 ? Plural(milliseconds / 1000, "second") : Plural(milliseconds, "millisecond");
    }

    private static string Plural(int n, string unit) => n == 1 ? $"1 {unit}" : $"{n} {unit}s";
}
