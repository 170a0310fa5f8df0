namespace Smackdab.Inventory.Api.Dashboard;

/// <summary>
/// The operations dashboard at /dashboard: three static files embedded in the API assembly, so the page is served the
/// same from a build output, a container or a test host. The page holds no secret: it asks for an API key and
/// organization id and calls GET /v1/dashboard like any client.
/// </summary>
public static class DashboardPage
{
    public const string Path = "/dashboard";

    private static readonly Dictionary<string, string> Files = new(StringComparer.Ordinal)
    {
        [Path] = "dashboard/index.html",
        [Path + "/dashboard.js"] = "dashboard/dashboard.js",
        [Path + "/dashboard.css"] = "dashboard/dashboard.css",
    };

    // Scripts and styles from this origin only, calls to this origin only, never framed.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static IEndpointRouteBuilder MapDashboardPage(this IEndpointRouteBuilder endpoints)
    {
        foreach (var (path, resource) in Files)
        {
            endpoints.MapGet(path, async context =>
            {
                await using var stream = typeof(DashboardPage).Assembly.GetManifestResourceStream(resource)
                    ?? throw new InvalidOperationException($"{resource} is not embedded in the API assembly.");
                context.Response.ContentType = ContentTypeOf(resource);
                context.Response.Headers.CacheControl = "no-cache";
                context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
                context.Response.Headers.XContentTypeOptions = "nosniff";
                context.Response.Headers["Referrer-Policy"] = "no-referrer";
                await stream.CopyToAsync(context.Response.Body, context.RequestAborted);
            }).AllowAnonymous().ExcludeFromDescription();
        }

        return endpoints;
    }

    private static string ContentTypeOf(string resource) => System.IO.Path.GetExtension(resource) switch
    {
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        _ => "text/html; charset=utf-8",
    };
}
