using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Api.Http;
using Smackdab.Inventory.Domain.Paging;

namespace Smackdab.Inventory.Api.Controllers;

/// <summary>
/// Helpers that wrap results in the spec's envelope. Controllers bind, call a feature service, and return these.
/// Every endpoint needs a caller (API key or bearer token) and declares its scope with [RequireScope] (or [RequirePlatformKey]).
/// </summary>
[ApiController]
[Authorize]
[Produces("application/json")]
public abstract class ApiControllerBase : ControllerBase
{
    protected ObjectResult Envelope<T>(T data, string? message = null, int status = StatusCodes.Status200OK, bool toast = false) =>
        new(new SuccessEnvelope<T>
        {
            Data = data,
            Meta = RequestInfo.BaseMeta(HttpContext),
            Message = message,
            Toast = toast,
        })
        { StatusCode = status };

    protected ObjectResult Created<T>(T data, string message, string? location = null)
    {
        if (location is not null)
        {
            Response.Headers.Location = location;
        }

        return Envelope(data, message, StatusCodes.Status201Created, toast: true);
    }

    protected ObjectResult List<T>(PagedResult<T> page, object? items = null, IReadOnlyDictionary<string, object?>? extraMeta = null)
    {
        var meta = RequestInfo.BaseMeta(HttpContext);
        foreach (var (key, value) in extraMeta ?? new Dictionary<string, object?>())
        {
            meta[key] = value;
        }

        var info = page.PageInfo;
        meta["pagination"] = new PaginationMeta
        {
            Page = info.Page,
            PageSize = info.PageSize,
            Total = info.Total,
            HasMore = info.HasMore,
            NextCursor = info.NextCursor,
            Sort = info.Sort,
            TotalEstimated = info.TotalEstimated,
        };
        return Ok(new SuccessEnvelope<object?> { Data = items ?? page.Items, Meta = meta });
    }

    protected void SetETag(int version) => Response.Headers.ETag = ETags.For(version);

    protected ActionResult? NotModifiedIfMatches(int version)
    {
        SetETag(version);
        return ETags.IfNoneMatchHits(Request, version) ? StatusCode(StatusCodes.Status304NotModified) : null;
    }
}
