namespace Smackdab.Inventory.Domain.Features.Webhooks;

/// <summary>Wakes this instance's delivery worker early when work was queued here (other instances find it on their next poll).</summary>
public sealed class WebhookWakeup : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    /// <summary>Waits for a notification or the timeout, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            await _signal.WaitAsync(timeout, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    public void Dispose() => _signal.Dispose();
}
