namespace Smackdab.Inventory.Api.RateLimiting;

/// <summary>
/// Marks a batch, import, export or download endpoint: it is limited by the bulk rate-limit tier and accepts compressed
/// bodies. With <see cref="Upload"/> it also takes bodies up to Api:MaxUploadBodyBytes (file uploads) instead of Api:MaxRequestBodyBytes.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class BulkOperationAttribute : Attribute
{
    public bool Upload { get; init; }
}

/// <summary>Reads the bulk fact from the matched endpoint's metadata, never from its path.</summary>
public static class BulkEndpoints
{
    public static bool IsBulk(HttpContext context) => Metadata(context) is not null;

    public static bool IsUpload(HttpContext context) => Metadata(context)?.Upload == true;

    private static BulkOperationAttribute? Metadata(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<BulkOperationAttribute>();
}
