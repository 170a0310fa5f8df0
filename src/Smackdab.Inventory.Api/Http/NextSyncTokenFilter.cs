using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Smackdab.Inventory.Api.Caching;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Domain.Features.Sync;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Api.Http;

/// <summary>
/// Every list response carries <c>X-Next-Sync-Token</c>: the change feed position taken BEFORE the list was read, so that
/// polling /v1/inventory/changes or /v1/inventory/delta with it afterwards misses nothing that the list did not show.
/// Actions answered through the read cache ([CachedRead]) take the position their (possibly cached) answer was read at.
/// </summary>
public sealed class NextSyncTokenFilter(ITenantContext tenant, SyncService sync, SyncPosition position) : IAsyncActionFilter
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

        var ct = context.HttpContext.RequestAborted;
        var cached = context.ActionDescriptor.EndpointMetadata.OfType<CachedReadAttribute>().Any();
        string? token = null;
        if (cached)
        {
            position.Wanted = true;
        }
        else
        {
            token = await sync.HeadTokenAsync(ct);
        }

        var executed = await next();
        var response = context.HttpContext.Response;
        if (!response.HasStarted && !response.Headers.ContainsKey(Header)
            && executed.Result is ObjectResult { Value: SuccessEnvelope<object?> envelope } && envelope.Meta.ContainsKey("pagination"))
        {
            token ??= await sync.TokenAsync(
                position.Head ?? throw new InvalidOperationException("A [CachedRead] list answered without reading through the read cache."), ct);
            response.Headers[Header] = token;
        }
    }
}
