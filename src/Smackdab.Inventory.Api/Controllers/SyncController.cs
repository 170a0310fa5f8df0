using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Api.Realtime;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Sync;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Api.Controllers;

[Tags("Change feed")]
public sealed class SyncController(TenantContext tenant, SyncService sync) : ApiControllerBase
{
    public const string NextSyncTokenHeader = "X-Next-Sync-Token";
    public const string SyncTokenHeader = "X-Sync-Token";
    public const string DeviceHeader = "X-Mobile-Device-Id";

    /// <summary>Polling: stock changes since a time or a sync token.</summary>
    /// <remarks>
    /// <c>since</c> (ISO 8601) or <c>since_token</c> (or the <c>X-Sync-Token</c> header; or nothing, with an
    /// <c>X-Mobile-Device-Id</c> that synced before). Filters <c>location_id(s)</c>, <c>product_id(s)</c>,
    /// <c>product_categories</c>, <c>location_types</c>; <c>limit</c> 1–1000 (100). Items are the spec's
    /// <c>change_id, change_type, product_id, location_id, previous_value, current_value, changed_at</c> plus sku, location name,
    /// available and allocated quantity and the reason. Continue with <c>meta.next_sync_token</c> (also the
    /// <c>X-Next-Sync-Token</c> header) after <c>meta.next_poll_after</c>, at once while <c>pagination.hasMore</c>.
    /// A forged or foreign token is a 400; a position older than retention answers <c>meta.full_sync_required: true</c>.
    /// </remarks>
    [HttpGet("v1/inventory/changes")]
    [RequireScope(Scopes.ProductsRead)]
    [ProducesResponseType<SuccessEnvelope<List<ChangeItem>>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Changes([FromQuery] string? since, [FromQuery(Name = "since_token")] string? sinceToken, [FromQuery] int? limit, CancellationToken ct)
    {
        var page = await sync.ChangesAsync(Start(since, sinceToken), FeedQuery.Parse(Request.Query, tenant), Limit(limit, 100), ct);
        Response.Headers[NextSyncTokenHeader] = page.NextSyncToken;
        var meta = RequestInfo.BaseMeta(HttpContext);
        meta["pagination"] = new PaginationMeta
        {
            Page = null,
            PageSize = Limit(limit, 100),
            Total = page.Items.Count,
            HasMore = page.HasMore,
            NextCursor = page.NextSyncToken,
            Sort = "sequence",
        };
        meta["last_change_at"] = page.LastChangeAt;
        meta["next_poll_after"] = page.NextPollAfter;
        meta["next_sync_token"] = page.NextSyncToken;
        meta["full_sync_required"] = page.FullSyncRequired;
        return Ok(new SuccessEnvelope<object?> { Data = page.Items, Meta = meta });
    }

    /// <summary>Delta sync: products and locations created, updated and deleted since a sync token.</summary>
    /// <remarks>
    /// <c>since_token</c> (or <c>X-Sync-Token</c>, or a known <c>X-Mobile-Device-Id</c>). Without one, or with one older than
    /// retention, <c>meta.full_sync_required</c> is true: load the full lists, then continue from <c>meta.next_sync_token</c>.
    /// Each resource appears once per page in its current state; soft-deleted ones under <c>deleted</c>. <c>limit</c> (1–1000,
    /// 500) counts feed events; repeat at once while <c>meta.has_more</c>.
    /// </remarks>
    [HttpGet("v1/inventory/delta")]
    [RequireScope(Scopes.ProductsRead)]
    [ProducesResponseType<SuccessEnvelope<DeltaData>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Delta([FromQuery(Name = "since_token")] string? sinceToken, [FromQuery] int? limit, CancellationToken ct)
    {
        var page = await sync.DeltaAsync(Start(null, sinceToken), FeedQuery.Parse(Request.Query, tenant), Limit(limit, 500), ct);
        Response.Headers[NextSyncTokenHeader] = page.NextSyncToken;
        var meta = RequestInfo.BaseMeta(HttpContext);
        meta["next_sync_token"] = page.NextSyncToken;
        meta["changes_count"] = page.ChangesCount;
        meta["full_sync_required"] = page.FullSyncRequired;
        meta["has_more"] = page.HasMore;
        return Ok(new SuccessEnvelope<DeltaData> { Data = page.Data, Meta = meta });
    }

    private SyncStart Start(string? since, string? sinceToken)
    {
        DateTime? sinceTime = null;
        if (since is not null)
        {
            if (!DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                throw new ValidationFailedException("since", "Must be an ISO 8601 date-time such as 2025-01-28T10:00:00Z");
            }

            sinceTime = parsed.UtcDateTime;
        }

        var header = Request.Headers[SyncTokenHeader].ToString();
        var device = Request.Headers[DeviceHeader].ToString();
        if (device.Length > 200 || device.Any(c => c is < ' ' or > '~'))
        {
            throw new ValidationFailedException(DeviceHeader, "At most 200 printable ASCII characters");
        }

        return sinceToken is { Length: > 0 }
            ? new SyncStart(sinceToken, "since_token", sinceTime, device)
            : new SyncStart(header.Length > 0 ? header : null, SyncTokenHeader, sinceTime, device);
    }

    private static int Limit(int? limit, int fallback) =>
        limit switch
        {
            null => fallback,
            >= 1 and <= 1000 => limit.Value,
            _ => throw new ValidationFailedException("limit", "Must be between 1 and 1000"),
        };
}
