using Smackdab.Inventory.Api.Errors;
using Smackdab.Inventory.Api.RateLimiting;
using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Api.Compression;

/// <summary>
/// Compressed request bodies (Content-Encoding gzip, br or deflate) are accepted on batch and import endpoints only; elsewhere,
/// or with another coding, 415. UseRequestDecompression runs next, and the body-size limit after it, on the decompressed bytes.
/// </summary>
public sealed class RequestDecompressionGate(RequestDelegate next, ErrorWriter errors)
{
    private static readonly string[] Codings = ["gzip", "br", "deflate"];

    public Task InvokeAsync(HttpContext context)
    {
        var encoding = context.Request.Headers.ContentEncoding.ToString().Trim();
        if (encoding.Length == 0 || encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            return next(context);
        }

        if (!Codings.Contains(encoding, StringComparer.OrdinalIgnoreCase))
        {
            return Refuse(context, $"Content-Encoding {encoding} is not supported; use gzip, br or deflate");
        }

        return BulkEndpoints.IsBulk(context)
            ? next(context)
            : Refuse(context, "Compressed request bodies are accepted on batch and import endpoints only");
    }

    private Task Refuse(HttpContext context, string reason) =>
        errors.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, ErrorCodes.UnsupportedMediaType, "Content-Encoding is not accepted here",
            new Dictionary<string, object?> { ["Content-Encoding"] = new[] { reason } });
}
