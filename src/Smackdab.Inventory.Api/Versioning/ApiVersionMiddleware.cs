using Microsoft.Net.Http.Headers;
using Smackdab.Inventory.Api.Errors;
using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Api.Versioning;

/// <summary>
/// Header versioning next to the /v1 in the URL: <c>Accept: application/vnd.api+json;version=1</c> is served (as JSON);
/// an Accept that asks only for versions this API does not serve (version=2) gets 406 NOT_ACCEPTABLE.
/// An Accept without a version parameter is left to content negotiation as before.
/// </summary>
public sealed class ApiVersionMiddleware(RequestDelegate next, ErrorWriter errors)
{
    public static readonly IReadOnlyList<string> SupportedVersions = ["1"];

    public Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/v1")
            || Evaluate(context.Request.Headers.Accept.Where(a => a is not null).Select(a => a!).ToList()) is not { } refused)
        {
            return next(context);
        }

        return errors.WriteAsync(context, StatusCodes.Status406NotAcceptable, ErrorCodes.NotAcceptable,
            $"API version {refused} is not available",
            new Dictionary<string, object?>
            {
                ["Accept"] = new[] { $"Version {refused} is not served; supported versions: {string.Join(", ", SupportedVersions)}" },
                ["supported_versions"] = SupportedVersions,
            });
    }

    /// <summary>The refused version when every acceptable media range names an unsupported version; null to serve the request.</summary>
    public static string? Evaluate(IList<string> acceptHeaders)
    {
        if (acceptHeaders.Count == 0 || !MediaTypeHeaderValue.TryParseList(acceptHeaders, out var ranges))
        {
            return null;
        }

        string? refused = null;
        foreach (var range in ranges)
        {
            if (range.Quality == 0 || !IsJsonCompatible(range))
            {
                continue;
            }

            var version = NameValueHeaderValue.Find(range.Parameters, "version")?.Value.Value?.Trim('"');
            if (version is null || SupportedVersions.Contains(Normalize(version), StringComparer.Ordinal))
            {
                return null;
            }

            refused ??= version;
        }

        return refused;
    }

    private static string Normalize(string version)
    {
        var v = version.TrimStart('v', 'V');
        return v.EndsWith(".0", StringComparison.Ordinal) ? v[..^2] : v;
    }

    private static bool IsJsonCompatible(MediaTypeHeaderValue range) =>
        range.MatchesAllTypes
        || (range.Type.Equals("application", StringComparison.OrdinalIgnoreCase)
            && (range.MatchesAllSubTypes
                || range.SubType.Equals("json", StringComparison.OrdinalIgnoreCase)
                || range.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase)));
}
