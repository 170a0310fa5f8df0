using Microsoft.AspNetCore.Mvc;
using Smackdab.Inventory.Api.Caching;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Api.Http;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Balances;
using Smackdab.Inventory.Domain.Features.Caching;
using Smackdab.Inventory.Domain.Paging;

namespace Smackdab.Inventory.Api.Controllers;

[Tags("Stock")]
public sealed class StockController(InventoryReadService stock, AuditService audit, ReadCache cache, ListQueryParser lists) : ApiControllerBase
{
    // Stock rows show product and location names as well as quantities.
    private const string CacheName = "inventory";

    /// <summary>A product's stock per location, with totals in meta.totals.</summary>
    /// <remarks>Filter <c>location_group</c>; sort <c>location_id</c> (default), <c>location_name</c>, <c>updated_at</c>.</remarks>
    [HttpGet("v1/products/{id}/inventory")]
    [RequireScope(Scopes.ProductsRead)]
    [ProducesResponseType<SuccessEnvelope<List<StockRow>>>(StatusCodes.Status200OK)]
    [CachedRead]
    public async Task<IActionResult> ProductInventory(string id, CancellationToken ct)
    {
        var request = lists.Parse(Request.Query, ["location_group"]);
        var (page, totals) = await cache.GetOrReadAsync(
            CacheName, CachedData.All, Request, async token => StockPage.Of(await stock.ForProductAsync(id, request, token)), ct);
        return List(page, extraMeta: new Dictionary<string, object?> { ["totals"] = totals });
    }

    /// <summary>One balance: a product's stock at one location.</summary>
    /// <remarks>Carries <c>ETag: "version-N"</c> (the balance's version, 0 before the first booking); <c>If-None-Match</c> answers 304
    /// while unchanged. To change stock only if it has not moved, send <c>expected_quantity</c> with the transaction.</remarks>
    [HttpGet("v1/products/{id}/inventory/{locationId}")]
    [RequireScope(Scopes.ProductsRead)]
    [ProducesResponseType<SuccessEnvelope<StockRow>>(StatusCodes.Status200OK)]
    [CachedRead]
    public async Task<IActionResult> Balance(string id, string locationId, CancellationToken ct)
    {
        var balance = await cache.GetOrReadAsync(
            CacheName, CachedData.All, Request, token => stock.BalanceAsync(id, locationId, token), ct);
        return NotModifiedIfMatches(balance.Version) ?? Envelope(balance, "Balance retrieved successfully");
    }

    /// <summary>The stock of every product at a location, with totals in meta.totals.</summary>
    /// <remarks>Filter <c>product_id</c>; sort <c>sku</c> (default), <c>updated_at</c>.</remarks>
    [HttpGet("v1/locations/{id}/inventory")]
    [HttpGet("v1/inventory/locations/{id}/products")]
    [RequireScope(Scopes.ProductsRead)]
    [ProducesResponseType<SuccessEnvelope<List<StockRow>>>(StatusCodes.Status200OK)]
    [CachedRead]
    public async Task<IActionResult> LocationInventory(string id, CancellationToken ct)
    {
        var request = lists.Parse(Request.Query, ["product_id"]);
        var (page, totals) = await cache.GetOrReadAsync(
            CacheName, CachedData.All, Request, async token => StockPage.Of(await stock.ForLocationAsync(id, request, token)), ct);
        return List(page, extraMeta: new Dictionary<string, object?> { ["totals"] = totals });
    }

    /// <summary>Inventory summary: per product, totals across locations and by location group.</summary>
    /// <remarks>Filters <c>product_id</c>, <c>category</c>; sort <c>sku</c> (default) or <c>name</c>.</remarks>
    [HttpGet("v1/inventory/summary")]
    [RequireScope(Scopes.ReportsRead)]
    [ProducesResponseType<SuccessEnvelope<List<ProductSummary>>>(StatusCodes.Status200OK)]
    [CachedRead]
    public async Task<IActionResult> Summary(CancellationToken ct)
    {
        var request = lists.Parse(Request.Query, ["product_id", "category"]);
        return List(await cache.GetOrReadAsync(CacheName, CachedData.All, Request, token => stock.SummaryAsync(request, token), ct));
    }

    /// <summary>Recompute balances from the ledger and report every mismatch.</summary>
    /// <remarks>on_hand must equal the sum of the ledger; allocated must equal open allocations plus prepared holds.
    /// Optional <c>product_id</c> limits the check to one product.</remarks>
    [HttpGet("v1/inventory/audit")]
    [RequireScope(Scopes.ReportsRead)]
    [ProducesResponseType<SuccessEnvelope<AuditReport>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Audit([FromQuery(Name = "product_id")] string? productId, CancellationToken ct)
    {
        var report = await audit.RunAsync(productId, ct);
        return Envelope(report, report.Consistent ? "No mismatches" : $"{report.Mismatches.Count} mismatches found");
    }
}

/// <summary>A stock page and its totals, as cached (a tuple would not survive the JSON of the second-level cache).</summary>
public sealed record StockPage(PagedResult<StockRow> Page, StockTotals Totals)
{
    public static StockPage Of((PagedResult<StockRow> Page, StockTotals Totals) read) => new(read.Page, read.Totals);
}
