using System.Diagnostics;

namespace Smackdab.Inventory.Api.Envelope;

/// <summary>Per-request facts every envelope reports: the request id and when processing began.</summary>
public static class RequestInfo
{
    private const string StartedKey = "smackdab.started";

    public static void MarkStarted(HttpContext context) => context.Items[StartedKey] = Stopwatch.GetTimestamp();

    public static string RequestId(HttpContext context) => context.TraceIdentifier;

    public static long ElapsedMs(HttpContext context) =>
        context.Items.TryGetValue(StartedKey, out var started) && started is long ticks
            ? (long)Stopwatch.GetElapsedTime(ticks).TotalMilliseconds
            : 0;

    public static Dictionary<string, object?> BaseMeta(HttpContext context) => new()
    {
        ["request_id"] = RequestId(context),
        ["processing_time_ms"] = ElapsedMs(context),
    };
}
