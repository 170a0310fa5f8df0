using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace Smackdab.Inventory.Tests.Support.Api;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that reports every timer created on it (Polly's retry delays and timeouts), so that a
/// test can wait until a delay has started and then move the clock by exactly that much: schedules are tested without sleeps.
/// </summary>
public sealed class SignallingClock() : FakeTimeProvider(DateTimeOffset.UtcNow)
{
    private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            _timers.Writer.TryWrite(dueTime);
        }

        // A CancellationTokenSource made with this clock starts its timer later, through Change (Polly's timeouts do).
        return new ReportingTimer(timer, _timers.Writer);
    }

    private sealed class ReportingTimer(ITimer inner, ChannelWriter<TimeSpan> report) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            var changed = inner.Change(dueTime, period);
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                report.TryWrite(dueTime);
            }

            return changed;
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    /// <summary>Forgets the timers reported so far (those of earlier calls).</summary>
    public void ForgetTimers()
    {
        while (_timers.Reader.TryRead(out _))
        {
        }
    }

    /// <summary>Waits (real time, bounded) for the next timer whose due time matches <paramref name="match"/>.</summary>
    public async Task<TimeSpan> NextTimerAsync(Func<TimeSpan, bool> match, TimeSpan? within = null)
    {
        using var cts = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var dueTime = await _timers.Reader.ReadAsync(cts.Token);
            if (match(dueTime))
            {
                return dueTime;
            }
        }
    }
}
