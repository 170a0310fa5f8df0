using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Api.Middleware;

/// <summary>
/// Refuses a NUL character anywhere in the decoded path or query (400 VALIDATION_FAILED keyed by the parameter):
/// PostgreSQL cannot store or compare text containing NUL, so such a value would otherwise fail deep in a query.
/// Bodies are guarded where they meet the database (the exception handler maps PostgreSQL's refusal to 400).
/// </summary>
public sealed class NulCharacterMiddleware(RequestDelegate next)
{
    private const string Message = "Must not contain a NUL character";

    public Task InvokeAsync(HttpContext context)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (context.Request.Path.Value is { } path && path.Contains('\0', StringComparison.Ordinal))
        {
            errors["path"] = [Message];
        }

        foreach (var (key, values) in context.Request.Query)
        {
            if (key.Contains('\0', StringComparison.Ordinal) || values.Any(v => v is not null && v.Contains('\0', StringComparison.Ordinal)))
            {
                errors[key.Replace("\0", "\\0", StringComparison.Ordinal)] = [Message];
            }
        }

        return errors.Count == 0 ? next(context) : throw new ValidationFailedException(errors, "The request contains a NUL character");
    }
}
