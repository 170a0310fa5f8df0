using System.Collections.Concurrent;

namespace Smackdab.Inventory.Domain.Features.Events;

/// <summary>
/// In-process wake-up for feed consumers, fed by PostgreSQL NOTIFY (so a write through any instance wakes every instance).
/// A signal is only a hint to read again: the events table is the truth. Take the task BEFORE reading, await it after an
/// empty read, so that nothing committed in between is slept through:
/// <code>
/// var changed = signal.NextAsync(org);
/// var page = await reader.ReadAsync(org, position, filter, 100, ct);
/// if (page.Events.Count == 0) await changed.WaitAsync(heartbeat, ct) (catch the TimeoutException);
/// </code>
/// </summary>
public sealed class EventSignal
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _byOrganization = new(StringComparer.Ordinal);
    private TaskCompletionSource _any = NewSource();

    /// <summary>Completes at the next event of <paramref name="organizationId"/>, or of any organization when it is null.</summary>
    public Task NextAsync(string? organizationId) =>
        organizationId is null ? Volatile.Read(ref _any).Task : _byOrganization.GetOrAdd(organizationId, _ => NewSource()).Task;

    /// <summary>Called on each notification: events up to <paramref name="sequence"/> of the organization have committed.</summary>
    public void Publish(string organizationId, long sequence)
    {
        if (_byOrganization.TryRemove(organizationId, out var source))
        {
            source.TrySetResult();
        }

        Interlocked.Exchange(ref _any, NewSource()).TrySetResult();
    }

    /// <summary>Wakes everyone (after the notification connection was lost, when notifications may have been missed).</summary>
    public void PublishAll()
    {
        foreach (var key in _byOrganization.Keys)
        {
            if (_byOrganization.TryRemove(key, out var source))
            {
                source.TrySetResult();
            }
        }

        Interlocked.Exchange(ref _any, NewSource()).TrySetResult();
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
