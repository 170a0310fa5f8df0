using System.Text.Json;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Api.Envelope;

namespace Smackdab.Inventory.Api.Errors;

/// <summary>Writes the error envelope. The one place outside MVC that produces an error body.</summary>
public sealed class ErrorWriter(IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> jsonOptions, TimeProvider clock)
{
    public ErrorEnvelope Build(HttpContext context, string code, string message, IReadOnlyDictionary<string, object?>? details = null)
    {
        Observability.RequestErrorCode.Set(context, code);
        return BuildEnvelope(context, code, message, details);
    }

    private ErrorEnvelope BuildEnvelope(HttpContext context, string code, string message, IReadOnlyDictionary<string, object?>? details) => new()
    {
        Error = new ErrorBody
        {
            Code = code,
            Message = message,
            Details = details ?? new Dictionary<string, object?>(),
            RequestId = RequestInfo.RequestId(context),
            Timestamp = clock.GetUtcNow().UtcDateTime,
        },
        Meta = RequestInfo.BaseMeta(context),
        Message = message,
    };

    public async Task WriteAsync(HttpContext context, int status, string code, string message, IReadOnlyDictionary<string, object?>? details = null)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        var envelope = Build(context, code, message, details);
        await JsonSerializer.SerializeAsync(context.Response.Body, envelope, jsonOptions.Value.SerializerOptions, context.RequestAborted);
    }
}
