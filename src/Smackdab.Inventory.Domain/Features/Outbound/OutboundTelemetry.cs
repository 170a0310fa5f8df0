using System.Diagnostics;

namespace Smackdab.Inventory.Domain.Features.Outbound;

/// <summary>
/// Tracing of outbound calls. A call made while serving a request runs under the request's activity, and the HTTP handler
/// sends its W3C <c>traceparent</c> without help. Background work (webhook deliveries, pushes) has no request: it starts its
/// own activity here, from the <see cref="SourceName"/> source, linked to the trace of the request that caused the event.
/// </summary>
public static class OutboundTelemetry
{
    public const string SourceName = "Smackdab.Inventory.Outbound";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>The W3C traceparent of the current activity, or null when there is none (or it is not W3C).</summary>
    public static string? CurrentTraceParent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    /// <summary>
    /// Starts the activity of one background outbound operation as the root of a new trace, linked to
    /// <paramref name="causedBy"/> (a traceparent stored with the event) when there is one. Never null: when no listener
    /// samples the source, a plain activity is started anyway, so that the receiver still gets a traceparent to quote.
    /// </summary>
    public static Activity StartBackground(string name, string? causedBy)
    {
        ActivityLink[] links = causedBy is not null && ActivityContext.TryParse(causedBy, null, isRemote: true, out var cause)
            ? [new ActivityLink(cause)]
            : [];

        // A new trace, not a child of whatever happens to be ambient in the worker.
        Activity.Current = null;
        var activity = Source.StartActivity(name, ActivityKind.Producer, parentContext: default, tags: null, links: links);
        if (activity is not null)
        {
            return activity;
        }

        activity = new Activity(name);
        activity.SetIdFormat(ActivityIdFormat.W3C);
        foreach (var link in links)
        {
            activity.AddLink(link);
        }

        return activity.Start();
    }
}
