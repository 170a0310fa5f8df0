namespace Smackdab.Inventory.Tests.Support.Api;

/// <summary>
/// A clock that tests move by hand (register it with <c>services.AddSingleton&lt;TimeProvider&gt;(clock)</c>): expiry and
/// budgets are tested without sleeping. Only "now" is controlled; timers still run on real time.
/// </summary>
public sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private long _utcTicks = start.UtcTicks;

    public ManualTimeProvider()
        : this(DateTimeOffset.UtcNow)
    {
    }

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _utcTicks, by.Ticks);
}
