using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Security.Claims;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc.Controllers;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Observability;
using Tags = Smackdab.Inventory.Domain.Common.InventoryTelemetry.Tags;

namespace Smackdab.Inventory.Api.Observability;

/// <summary>
/// Measures every API (controller) request once it has answered: OpenTelemetry counters and a latency histogram by route,
/// organization and client, errors by error.code, and a record for the dashboard's durable rollups, handed to a
/// background writer. Runs outside the exception handler, so it sees the final status of every request.
/// </summary>
public sealed class RequestMetricsMiddleware(RequestDelegate next, RequestRecordQueue records, TimeProvider clock)
{
    private const string None = "none";

    private static readonly Counter<long> Requests = InventoryTelemetry.Meter.CreateCounter<long>(
        InventoryTelemetry.Instruments.Requests, "{request}", "API requests handled, by route, organization, client and outcome");

    private static readonly Histogram<double> Duration = InventoryTelemetry.Meter.CreateHistogram(
        InventoryTelemetry.Instruments.RequestDuration, "s", "API request duration (p95/p99 from the buckets)",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10] });

    private static readonly Counter<long> Errors = InventoryTelemetry.Meter.CreateCounter<long>(
        InventoryTelemetry.Instruments.Errors, "{error}", "API error responses by error.code");

    public async Task InvokeAsync(HttpContext context)
    {
        var started = clock.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            Record(context, clock.GetElapsedTime(started));
        }
    }

    private void Record(HttpContext context, TimeSpan elapsed)
    {
        // The exception handler clears the endpoint before it writes the error; its feature keeps the original.
        var endpoint = context.GetEndpoint() ?? context.Features.Get<IExceptionHandlerFeature>()?.Endpoint;
        if (endpoint?.Metadata.GetMetadata<ControllerActionDescriptor>() is null)
        {
            // Health, /metrics, static files and unmatched paths: ASP.NET Core's own http.server.* metrics count those.
            return;
        }

        var route = (endpoint as RouteEndpoint)?.RoutePattern.RawText ?? "-";
        var method = context.Request.Method;
        var status = context.Response.StatusCode;
        var success = status < 400;
        var errorCode = success ? "" : RequestErrorCode.Get(context) ?? "HTTP_" + status;
        var organization = context.User.OrganizationId();
        var client = context.User.FindFirstValue(CallerClaims.KeyId);

        var tags = new TagList
        {
            { Tags.Route, route },
            { Tags.Method, method },
            { Tags.StatusCode, status },
            { Tags.Organization, organization ?? None },
            { Tags.Client, client ?? None },
            { Tags.Outcome, success ? InventoryTelemetry.Outcomes.Success : InventoryTelemetry.Outcomes.Error },
        };
        Requests.Add(1, tags);
        if (!success)
        {
            Errors.Add(1, new TagList
            {
                { Tags.Route, route },
                { Tags.Organization, organization ?? None },
                { Tags.ErrorCode, errorCode },
                { Tags.StatusCode, status },
            });
        }

        // Streams (SSE, WebSocket) last as long as the client stays: their duration is not a response time.
        if (IsStream(context))
        {
            return;
        }

        Duration.Record(elapsed.TotalSeconds, new TagList
        {
            { Tags.Route, route },
            { Tags.Method, method },
            { Tags.Organization, organization ?? None },
            { Tags.Outcome, success ? InventoryTelemetry.Outcomes.Success : InventoryTelemetry.Outcomes.Error },
        });

        if (organization is not null && endpoint.Metadata.GetMetadata<NotCountedOnDashboardAttribute>() is null)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var minute = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc);
            records.Add(new RequestRecord(organization, minute, Truncate(route, 200), method, status, Truncate(errorCode, 64), elapsed.TotalMilliseconds));
        }
    }

    private static bool IsStream(HttpContext context) =>
        context.WebSockets.IsWebSocketRequest
        || context.Response.ContentType?.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase) == true;

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length];
}
