using Smackdab.Inventory.Domain.Features.Integrations;
using Smackdab.Inventory.Domain.Features.Integrations.Connectors;
using Xunit;

namespace Smackdab.Inventory.Tests.Unit.Integrations;

public sealed class ConnectorRulesTests
{
    private static readonly DateTime Now = new(2025, 1, 28, 6, 30, 0, DateTimeKind.Utc);

    [Fact]
    public void Exponential_delay_is_capped_at_max_delay_plus_jitter()
    {
        var policy = new RetryPolicy { Jitter = false };
        Assert.Equal(
            [1000, 2000, 4000, 8000, 16000, 30000, 30000],
            Enumerable.Range(1, 7).Select(n => (int)RetrySchedule.Delay(policy, n, new Random(1)).TotalMilliseconds).ToArray());
        var jittered = new RetryPolicy { Jitter = true };
        Assert.All(Enumerable.Range(0, 200), _ => Assert.InRange(RetrySchedule.Delay(jittered, 1, Random.Shared).TotalMilliseconds, 1000, 2000));
    }

    [Fact]
    public void Open_breaker_refuses_until_timeout_then_admits_half_open_max_calls()
    {
        var settings = new CircuitBreakerSettings { FailureThreshold = 2, TimeoutMs = 60_000, HalfOpenMaxCalls = 3, HalfOpenSuccessThreshold = 2 };
        var state = new CircuitBreakerState();
        CircuitBreakerRules.Record(state, settings, Now, failed: true, "TIMEOUT");
        Assert.Equal(CircuitStates.Closed, state.State);
        CircuitBreakerRules.Record(state, settings, Now, failed: true, "TIMEOUT");
        Assert.Equal(CircuitStates.Open, state.State);

        Assert.False(CircuitBreakerRules.TryAdmit(state, settings, Now.AddSeconds(59)));
        Assert.True(CircuitBreakerRules.TryAdmit(state, settings, Now.AddSeconds(60)));
        Assert.Equal(CircuitStates.HalfOpen, state.State);
        Assert.True(CircuitBreakerRules.TryAdmit(state, settings, Now.AddSeconds(60)));
        Assert.True(CircuitBreakerRules.TryAdmit(state, settings, Now.AddSeconds(60)));
        Assert.False(CircuitBreakerRules.TryAdmit(state, settings, Now.AddSeconds(60)));
    }

    [Fact]
    public void Failures_outside_the_monitoring_window_do_not_add_up()
    {
        var settings = new CircuitBreakerSettings { FailureThreshold = 2, MonitoringWindowMs = 300_000 };
        var state = new CircuitBreakerState();
        CircuitBreakerRules.Record(state, settings, Now, failed: true, "TIMEOUT");
        CircuitBreakerRules.Record(state, settings, Now.AddMinutes(6), failed: true, "TIMEOUT");
        Assert.Equal(CircuitStates.Closed, state.State);
        CircuitBreakerRules.Record(state, settings, Now.AddMinutes(7), failed: true, "TIMEOUT");
        Assert.Equal(CircuitStates.Open, state.State);
    }

    [Theory]
    [InlineData(300_000, "5 minutes")]
    [InlineData(60_000, "1 minute")]
    [InlineData(90_000, "90 seconds")]
    [InlineData(3_600_000, "1 hour")]
    public void Monitoring_window_is_written_for_people(int ms, string text) => Assert.Equal(text, Durations.Describe(ms));
}
