namespace Smackdab.Inventory.Domain.Features.Integrations.Connectors;

/// <summary>
/// The spec's breaker as pure state transitions over <see cref="CircuitBreakerState"/>; <see cref="CircuitBreakerStore"/>
/// applies them under a row lock. CLOSED opens when, within the monitoring window, failures reach failure_threshold and
/// the failure rate reaches failure_rate_threshold; OPEN refuses until timeout_ms has passed, then lets up to
/// half_open_max_calls test calls through; half_open_success_threshold successes close it, any failure reopens it.
/// </summary>
public static class CircuitBreakerRules
{
    public static bool TryAdmit(CircuitBreakerState state, CircuitBreakerSettings settings, DateTime now)
    {
        switch (state.State)
        {
            case CircuitStates.Open when now >= RetryAt(state, settings):
                state.State = CircuitStates.HalfOpen;
                state.HalfOpenCalls = 1;
                state.HalfOpenSuccesses = 0;
                state.UpdatedAt = now;
                return true;
            case CircuitStates.Open:
                return false;
            case CircuitStates.HalfOpen when state.HalfOpenCalls < settings.HalfOpenMaxCalls:
                state.HalfOpenCalls++;
                state.UpdatedAt = now;
                return true;
            case CircuitStates.HalfOpen:
                return false;
            default:
                return true;
        }
    }

    /// <summary>Records the outcome of one admitted attempt; <paramref name="failed"/> is a failure that counts against the breaker.</summary>
    public static void Record(CircuitBreakerState state, CircuitBreakerSettings settings, DateTime now, bool failed, string? errorClass)
    {
        state.UpdatedAt = now;
        if (failed)
        {
            state.LastFailureAt = now;
            state.LastFailureClass = errorClass;
            state.FailureCount++;
        }
        else
        {
            state.LastSuccessAt = now;
        }

        switch (state.State)
        {
            case CircuitStates.Closed:
                if (state.WindowStartedAt is null || now - state.WindowStartedAt.Value > TimeSpan.FromMilliseconds(settings.MonitoringWindowMs))
                {
                    state.WindowStartedAt = now;
                    state.WindowCalls = 0;
                    state.WindowFailures = 0;
                    state.FailureCount = failed ? 1 : 0;
                }

                state.WindowCalls++;
                if (failed)
                {
                    state.WindowFailures++;
                    if (state.WindowFailures >= settings.FailureThreshold
                        && (double)state.WindowFailures / state.WindowCalls >= settings.FailureRateThreshold)
                    {
                        Open(state, now);
                    }
                }

                break;

            case CircuitStates.HalfOpen when failed:
                Open(state, now);
                break;

            case CircuitStates.HalfOpen:
                state.HalfOpenSuccesses++;
                if (state.HalfOpenSuccesses >= settings.HalfOpenSuccessThreshold)
                {
                    Close(state);
                }

                break;
        }
    }

    /// <summary>The operator's reset: straight to HALF_OPEN with a fresh allowance of test calls.</summary>
    public static void Reset(CircuitBreakerState state, DateTime now)
    {
        state.State = CircuitStates.HalfOpen;
        state.HalfOpenCalls = 0;
        state.HalfOpenSuccesses = 0;
        state.UpdatedAt = now;
    }

    /// <summary>When an open breaker will let a test call through.</summary>
    public static DateTime RetryAt(CircuitBreakerState state, CircuitBreakerSettings settings) =>
        (state.OpenedAt ?? state.UpdatedAt).AddMilliseconds(settings.TimeoutMs);

    private static void Open(CircuitBreakerState state, DateTime now)
    {
        state.State = CircuitStates.Open;
        state.OpenedAt = now;
        state.HalfOpenCalls = 0;
        state.HalfOpenSuccesses = 0;
    }

    private static void Close(CircuitBreakerState state)
    {
        state.State = CircuitStates.Closed;
        state.WindowStartedAt = null;
        state.WindowCalls = 0;
        state.WindowFailures = 0;
        state.FailureCount = 0;
        state.HalfOpenCalls = 0;
        state.HalfOpenSuccesses = 0;
    }
}
