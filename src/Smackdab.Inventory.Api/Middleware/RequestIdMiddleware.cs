using System.Text.RegularExpressions;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Api.Middleware;

/// <summary>Echoes a sane X-Request-ID or makes a <c>req_…</c> one, and returns it as a header.</summary>
public sealed partial class RequestIdMiddleware(RequestDelegate next)
{
    public const string Header = "X-Request-ID";

    public Task InvokeAsync(HttpContext context)
    {
        RequestInfo.MarkStarted(context);
        var supplied = context.Request.Headers[Header].ToString();
        context.TraceIdentifier = SaneId().IsMatch(supplied) ? supplied : $"req_{PublicId.RandomToken(20)}";
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[Header] = context.TraceIdentifier;
            return Task.CompletedTask;
        });
        return next(context);
    }

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,128}$")]
    private static partial Regex SaneId();
}
