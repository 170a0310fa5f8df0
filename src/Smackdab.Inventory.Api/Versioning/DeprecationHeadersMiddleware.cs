using Microsoft.OpenApi.Models;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Smackdab.Inventory.Api.Versioning;

/// <summary>
/// Adds the deprecation headers of a <see cref="DeprecatedAttribute"/> endpoint to every response it gives, errors included
/// (on starting, so that the exception handler's reset of the response does not drop them).
/// </summary>
public sealed class DeprecationHeadersMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<DeprecatedAttribute>() is { } deprecated)
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers["Deprecation"] = deprecated.DeprecationHeader;
                headers["Sunset"] = deprecated.SunsetHeader;
                headers.Append("Link", deprecated.LinkHeader);
                return Task.CompletedTask;
            });
        }

        return next(context);
    }
}

/// <summary>Shows <see cref="DeprecatedAttribute"/> endpoints as deprecated in Swagger, with their sunset date and replacement.</summary>
public sealed class DeprecatedOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var deprecated = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<DeprecatedAttribute>().FirstOrDefault();
        if (deprecated is null)
        {
            return;
        }

        operation.Deprecated = true;
        var replacement = deprecated.Replacement is null ? "" : $" Use {deprecated.Replacement} instead.";
        operation.Description = $"{operation.Description}\n\nDeprecated; sunset {deprecated.Sunset:yyyy-MM-dd}.{replacement} See {deprecated.Link}.".Trim();
    }
}

/// <summary>Serves docs/migration-guide.md (embedded at build time) at the URL the deprecation Link headers name.</summary>
public static class MigrationGuide
{
    public const string Path = "/docs/migration-guide.md";

    public static IEndpointRouteBuilder MapMigrationGuide(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Path, async context =>
        {
            await using var stream = typeof(MigrationGuide).Assembly.GetManifestResourceStream("migration-guide.md")
                ?? throw new InvalidOperationException("migration-guide.md is not embedded in the API assembly.");
            context.Response.ContentType = "text/markdown; charset=utf-8";
            await stream.CopyToAsync(context.Response.Body, context.RequestAborted);
        }).AllowAnonymous().ExcludeFromDescription();
        return endpoints;
    }
}
