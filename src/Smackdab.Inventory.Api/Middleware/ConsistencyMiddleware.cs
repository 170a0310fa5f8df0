using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Api.Middleware;

/// <summary>The read consistency a request asked for with <c>X-Consistency</c>.</summary>
public enum ReadConsistency
{
    /// <summary>The default: reads may be answered from the read cache, which never answers older than a committed write (docs/caching.md).</summary>
    Eventual,

    /// <summary>Reads go to the primary database, never to a cache.</summary>
    Strong,
}

/// <summary>
/// Reads <c>X-Consistency: strong|eventual</c> (case-insensitive; absent means eventual) into the request's
/// <see cref="ReadConsistency"/> and echoes the level applied in the response's <c>X-Consistency</c>. Any other value is a
/// 400 VALIDATION_FAILED naming the header.
/// </summary>
public sealed class ConsistencyMiddleware(RequestDelegate next)
{
    public const string Header = "X-Consistency";

    private static readonly object ItemKey = new();

    public static ReadConsistency Of(HttpContext context) =>
        context.Items.TryGetValue(ItemKey, out var value) && value is ReadConsistency level ? level : ReadConsistency.Eventual;

    public Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/v1"))
        {
            return next(context);
        }

        var values = context.Request.Headers[Header];
        var level = values.Count switch
        {
            0 => ReadConsistency.Eventual,
            1 when string.Equals(values[0]?.Trim(), "strong", StringComparison.OrdinalIgnoreCase) => ReadConsistency.Strong,
            1 when string.Equals(values[0]?.Trim(), "eventual", StringComparison.OrdinalIgnoreCase) => ReadConsistency.Eventual,
            _ => throw new ValidationFailedException(Header, "Must be strong or eventual"),
        };

        context.Items[ItemKey] = level;
        context.Response.Headers[Header] = level == ReadConsistency.Strong ? "strong" : "eventual";
        return next(context);
    }
}
