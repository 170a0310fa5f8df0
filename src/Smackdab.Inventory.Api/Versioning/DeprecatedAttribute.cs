using System.Globalization;

namespace Smackdab.Inventory.Api.Versioning;

/// <summary>
/// Marks an endpoint as deprecated. Its responses carry <c>Deprecation</c> (RFC 9745), <c>Sunset</c> (RFC 8594) and
/// <c>Link: &lt;…&gt;; rel="deprecation"</c>; Swagger shows it as deprecated.
/// </summary>
/// <param name="since">Date (yyyy-MM-dd, UTC) from which the endpoint is deprecated.</param>
/// <param name="sunset">Date (yyyy-MM-dd, UTC) after which it may stop answering.</param>
/// <param name="link">The migration guide (absolute, or relative to the API).</param>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = false)]
public sealed class DeprecatedAttribute(string since, string sunset, string link) : Attribute
{
    public DateTimeOffset Since { get; } = ParseDate(since);

    public DateTimeOffset Sunset { get; } = ParseDate(sunset);

    public string Link { get; } = link;

    /// <summary>Where to go instead, for Swagger.</summary>
    public string? Replacement { get; init; }

    /// <summary>RFC 9745: a structured-field date, "@" and unix seconds.</summary>
    public string DeprecationHeader => "@" + Since.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>RFC 8594: an HTTP-date.</summary>
    public string SunsetHeader => Sunset.ToString("r", CultureInfo.InvariantCulture);

    public string LinkHeader => $"<{Link}>; rel=\"deprecation\"; type=\"text/markdown\", <{Link}>; rel=\"sunset\"; type=\"text/markdown\"";

    private static DateTimeOffset ParseDate(string value) =>
        DateTimeOffset.ParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
