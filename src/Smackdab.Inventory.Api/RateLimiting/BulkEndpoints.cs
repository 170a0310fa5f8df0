namespace Smackdab.Inventory.Api.RateLimiting;

/// <summary>Batch, import and export endpoints: their own rate-limit tier, and the only ones that accept compressed bodies.</summary>
public static class BulkEndpoints
{
    public static readonly IReadOnlyList<string> RouteSuffixes = ["/batch", "/import", "/imports", "/export", "/exports"];

    /// <summary>Judged on the matched route template (or the path when none matched).</summary>
    public static bool IsBulk(HttpContext context) =>
        IsBulkRoute((context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? context.Request.Path.Value);

    public static bool IsBulkRoute(string? route)
    {
        if (string.IsNullOrEmpty(route))
        {
            return false;
        }

        var trimmed = "/" + route.Trim('/');
        return RouteSuffixes.Any(suffix => trimmed.EndsWith(suffix, StringComparison.OrdinalIgnoreCase));
    }
}
