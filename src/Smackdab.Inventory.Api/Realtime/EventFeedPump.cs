using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Features.Events;

namespace Smackdab.Inventory.Api.Realtime;

/// <summary>What a stream connection sends: an event, or notice that its position fell out of retention.</summary>
public sealed record FeedItem(StoredEvent? Event, long? FullSyncHead)
{
    public static FeedItem For(StoredEvent e) => new(e, null);

    public static FeedItem FullSync(long head) => new(null, head);
}

/// <summary>A stream client that did not keep up; it is disconnected and resumes from its last id.</summary>
public sealed class SlowConsumerException() : Exception("The client did not read its stream fast enough");

/// <summary>
/// Moves one connection's events from the outbox into a bounded channel: reads pages after the connection's position,
/// sleeps on <see cref="EventSignal"/> (PostgreSQL NOTIFY, any instance) when caught up. A full channel is back-pressure
/// while the client catches up; a channel that stays full for Events:StreamSlowClientSeconds ends the connection, so a slow
/// client costs at most Events:StreamBufferSize events of memory.
/// </summary>
public sealed class EventFeedPump(EventReader reader, EventSignal signal, IOptions<EventOptions> options)
{
    private const int PageSize = 200;

    public Channel<FeedItem> CreateChannel() =>
        Channel.CreateBounded<FeedItem>(new BoundedChannelOptions(options.Value.StreamBufferSize) { SingleReader = true, SingleWriter = true });

    /// <summary>
    /// Runs until <paramref name="ct"/> is cancelled; completes <paramref name="output"/> with the reason it stopped.
    /// <paramref name="disconnect"/> is called when the client is too slow: the writer may be stuck in a send, so the
    /// connection itself must be cut.
    /// </summary>
    public async Task RunAsync(string organizationId, long position, EventFilter filter, ChannelWriter<FeedItem> output, Action disconnect, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(disconnect);
        var settings = options.Value;
        var fallback = TimeSpan.FromSeconds(settings.PollFallbackSeconds);
        Exception? stopped = null;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var changed = signal.NextAsync(organizationId);
                var page = await reader.ReadAsync(organizationId, position, filter, PageSize, ct);
                if (page.FullSyncRequired)
                {
                    await WriteAsync(output, FeedItem.FullSync(page.Head), ct);
                    position = page.Head;
                    continue;
                }

                foreach (var e in page.Events)
                {
                    await WriteAsync(output, FeedItem.For(e), ct);
                }

                position = page.NextAfter;
                if (!page.HasMore)
                {
                    await changed.WaitAsync(fallback, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            stopped = e;
        }
        finally
        {
            output.TryComplete(stopped);
        }

        async Task WriteAsync(ChannelWriter<FeedItem> writer, FeedItem item, CancellationToken token)
        {
            if (writer.TryWrite(item))
            {
                return;
            }

            using var slow = CancellationTokenSource.CreateLinkedTokenSource(token);
            slow.CancelAfter(TimeSpan.FromSeconds(settings.StreamSlowClientSeconds));
            try
            {
                await writer.WriteAsync(item, slow.Token);
            }
            catch (OperationCanceledException) when (!token.IsCancellationRequested)
            {
                disconnect();
                throw new SlowConsumerException();
            }
        }
    }
}
