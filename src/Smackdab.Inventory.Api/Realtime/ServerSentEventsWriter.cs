using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Features.Events;

namespace Smackdab.Inventory.Api.Realtime;

/// <summary>
/// Writes one text/event-stream response: <c>id:</c> is the event's sequence (what the browser sends back as
/// Last-Event-ID), <c>event:</c> the spec's short name or the full type, <c>data:</c> <see cref="StreamMessages"/>.
/// Comments keep an idle connection alive. Events come through <see cref="EventFeedPump"/>'s bounded channel.
/// </summary>
public sealed class ServerSentEventsWriter(EventFeedPump pump, IOptions<EventOptions> options, TimeProvider clock, ILogger<ServerSentEventsWriter> logger)
{
    public async Task RunAsync(HttpContext http, string organizationId, long position, EventFilter filter, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        var response = http.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache, no-transform";
        response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await WriteAsync(response, $"retry: 2000\n: feed of {organizationId} after {position}\n\n", ct);

        var heartbeat = TimeSpan.FromSeconds(options.Value.StreamHeartbeatSeconds);
        var slow = false;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var channel = pump.CreateChannel();
        var producing = pump.RunAsync(organizationId, position, filter, channel.Writer, Disconnect, stop.Token);
        try
        {
            while (true)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                idle.CancelAfter(heartbeat);
                bool open;
                try
                {
                    open = await channel.Reader.WaitToReadAsync(idle.Token);
                }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                {
                    await WriteAsync(response, $": heartbeat {clock.GetUtcNow():O}\n\n", ct);
                    continue;
                }

                if (!open)
                {
                    break;
                }

                var text = new StringBuilder();
                while (text.Length < 64 * 1024 && channel.Reader.TryRead(out var item))
                {
                    Append(text, item);
                }

                await WriteAsync(response, text.ToString(), ct);
            }
        }
        catch (Exception e) when (e is SlowConsumerException || (e is OperationCanceledException or IOException && (ct.IsCancellationRequested || slow)))
        {
            // The client went away, or was sent away.
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "SSE stream of {OrganizationId} ended by an error; the client resumes with Last-Event-ID", organizationId);
        }
        finally
        {
            await stop.CancelAsync();
            await producing;
        }

        void Disconnect()
        {
            slow = true;
            logger.LogWarning("SSE client of {OrganizationId} too slow: its buffer stayed full; disconnected (it resumes with Last-Event-ID)", organizationId);
            http.Abort();
        }
    }

    private static void Append(StringBuilder text, FeedItem item)
    {
        if (item.Event is { } e)
        {
            text.Append("id: ").Append(e.Sequence).Append('\n')
                .Append("event: ").Append(EventTypes.StreamName(e.EventType)).Append('\n')
                .Append("data: ").Append(StreamMessages.ForEvent(e).ToJsonString()).Append("\n\n");
        }
        else
        {
            text.Append("id: ").Append(item.FullSyncHead).Append('\n')
                .Append("event: full_sync_required\n")
                .Append("data: ").Append(StreamMessages.FullSyncRequired(item.FullSyncHead!.Value).ToJsonString()).Append("\n\n");
        }
    }

    private static async Task WriteAsync(HttpResponse response, string text, CancellationToken ct)
    {
        await response.WriteAsync(text, ct);
        await response.Body.FlushAsync(ct);
    }
}

/// <summary>Marks an endpoint whose 200 answer is an endless stream (the authorization matrix reads only its first moments).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class EventStreamAttribute : Attribute;
