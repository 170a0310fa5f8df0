using System.Globalization;
using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Api.Http;

/// <summary>ETag "version-N" and If-Match / If-None-Match parsing.</summary>
public static class ETags
{
    public static string For(int version) => $"\"version-{version}\"";

    /// <summary>The version an If-Match header names, or null when the header is absent or "*".</summary>
    public static int? IfMatchVersion(HttpRequest request)
    {
        var raw = request.Headers.IfMatch.ToString().Trim();
        if (raw.Length == 0 || raw == "*")
        {
            return null;
        }

        var value = raw.StartsWith("W/", StringComparison.Ordinal) ? raw[2..] : raw;
        value = value.Trim('"');
        if (value.StartsWith("version-", StringComparison.Ordinal)
            && int.TryParse(value.AsSpan(8), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            return version;
        }

        throw new ValidationFailedException("If-Match", "Must be an ETag of the form \"version-N\"");
    }

    public static bool IfNoneMatchHits(HttpRequest request, int version)
    {
        var raw = request.Headers.IfNoneMatch.ToString();
        return raw.Length > 0 && (raw.Trim() == "*" || raw.Split(',').Any(t => t.Trim().TrimStart('W', '/') == For(version)));
    }
}
