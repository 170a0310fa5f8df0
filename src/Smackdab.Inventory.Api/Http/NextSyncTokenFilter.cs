using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Domain.Features.Sync;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Api.Http;

/// <summary>
/// Every list response carries <c>X-Next-Sync-Token</c>: the change feed position taken BEFORE the list was read, so that
/// polling /v1/inventory/changes or /v1/inventory/delta with it afterwards misses nothing that the list did not show.
/// </summary>
public sealed class NextSyncTokenFilter(ITenantContext tenant, SyncService sync) : IAsyncActionFilter
{
    public const string Header = "X-Next-Sync-Token";

    public async Task OnActionExecutionAsync(ActionExecutingContext context, ActionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (!HttpMethods.IsGet(context.HttpContext.Request.Method) || tenant.OrganizationId is null)
        {
            await next();
            return;
        }

        var token = await sync.HeadTokenAsync(context.HttpContext.RequestAborted);
        var executed = await next();
        var response = context.HttpContext.Response;
        if (!response.HasStarted && !response.Headers.ContainsKey(Header)
            && executed.Result is ObjectResult { Value: SuccessEnvelope<object?> envelope } && envelope.Meta.ContainsKey("pagination"))
        {
            response.Headers[Header] = token;
        }
    }
}
