using Microsoft.AspNetCore.Diagnostics;
using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Api.Errors;

/// <summary>Gives bodiless framework answers (unknown route, wrong method, bad media type) the error envelope.</summary>
public static class StatusCodeEnvelopes
{
    public static Task WriteAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var writer = http.RequestServices.GetRequiredService<ErrorWriter>();
        return http.Response.StatusCode switch
        {
            404 => writer.WriteAsync(http, 404, ErrorCodes.NotFound, $"No route matches {http.Request.Method} {http.Request.Path}"),
            405 => writer.WriteAsync(http, 405, ErrorCodes.MethodNotAllowed, $"Method {http.Request.Method} is not allowed on {http.Request.Path}"),
            406 => writer.WriteAsync(http, 406, "NOT_ACCEPTABLE", "The requested representation is not available"),
            413 => writer.WriteAsync(http, 413, ErrorCodes.PayloadTooLarge, "Request body is too large"),
            415 => writer.WriteAsync(http, 415, ErrorCodes.UnsupportedMediaType, "Content-Type must be application/json"),
            var status and >= 400 => writer.WriteAsync(http, status, status >= 500 ? ErrorCodes.InternalError : ErrorCodes.BadRequest, "The request could not be processed"),
            _ => Task.CompletedTask,
        };
    }
}
