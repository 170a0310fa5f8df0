using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Api.Caching;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Api.Http;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Api.Validation;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Caching;
using Smackdab.Inventory.Domain.Features.Products;

namespace Smackdab.Inventory.Api.Controllers;

[Route("v1/products")]
[Tags("Products")]
public sealed class ProductsController(
    ProductService products,
    ReadCache cache,
    ListQueryParser lists,
    Representation representation,
    RequestValidator validator,
    IOptions<JsonOptions> json) : ApiControllerBase
{
    private static readonly string[] Filters = ["status", "category"];

    /// <summary>List products.</summary>
    /// <remarks>Filters: <c>filters[status]</c>, <c>filters[category]</c> (or plain <c>status</c>, <c>category</c>); <c>q</c> searches SKU and name.
    /// Sort: <c>created_at</c>, <c>updated_at</c>, <c>name</c>, <c>sku</c>, prefix <c>-</c> for descending.
    /// Offset paging with <c>page</c>/<c>pageSize</c>, or cursor paging with <c>after_key</c>/<c>limit</c> (stable under inserts).</remarks>
    [HttpGet]
    [RequireScope(Scopes.ProductsRead)]
    [ProducesResponseType<SuccessEnvelope<List<ProductResponse>>>(StatusCodes.Status200OK)]
    [CachedRead]
    public async Task<IActionResult> List(CancellationToken ct)
    {
        var include = Representation.ParseInclude(Request.Query, ProductService.Includes);
        var request = lists.Parse(Request.Query, Filters);
        var page = await cache.GetOrReadAsync(
            "products", Shows(include), Request, token => products.ListAsync(request, include, token), ct);
        return List(page, representation.SelectFields(Request.Query, page.Items, include));
    }

    /// <summary>Get a product.</summary>
    [HttpGet("{id}")]
    [RequireScope(Scopes.ProductsRead)]
    [ProducesResponseType<SuccessEnvelope<ProductResponse>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status404NotFound)]
    [CachedRead]
    public async Task<IActionResult> Get(string id, CancellationToken ct)
    {
        var include = Representation.ParseInclude(Request.Query, ProductService.Includes);
        var product = await cache.GetOrReadAsync(
            "products", Shows(include), Request, token => products.GetAsync(id, include, token), ct);
        return NotModifiedIfMatches(product.Version)
            ?? Envelope(representation.SelectFields(Request.Query, product, include), "Product retrieved successfully");
    }

    /// <summary>Create a product.</summary>
    [HttpPost]
    [RequireScope(Scopes.ProductsWrite)]
    [ProducesResponseType<SuccessEnvelope<ProductResponse>>(StatusCodes.Status201Created)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status409Conflict)]
    public async Task<IActionResult> Create([FromBody] ProductWriteRequest request, CancellationToken ct)
    {
        var product = await products.CreateAsync(request, ct);
        SetETag(product.Version);
        return Created(product, "Product created successfully", $"/v1/products/{product.Id}");
    }

    /// <summary>Replace a product's writable fields.</summary>
    /// <remarks>Fields left out are reset to their defaults. Send <c>If-Match: "version-N"</c> to update only that version.</remarks>
    [HttpPut("{id}")]
    [RequireScope(Scopes.ProductsWrite)]
    [ProducesResponseType<SuccessEnvelope<ProductResponse>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status409Conflict)]
    public async Task<IActionResult> Replace(string id, [FromBody] ProductWriteRequest request, CancellationToken ct)
    {
        var product = await products.UpdateAsync(id, request, ETags.IfMatchVersion(Request), ct);
        SetETag(product.Version);
        return Envelope(product, "Product updated successfully", toast: true);
    }

    /// <summary>Update some of a product's fields (JSON Merge Patch).</summary>
    /// <remarks>Send only the fields to change; <c>null</c> clears an optional field.</remarks>
    [HttpPatch("{id}")]
    [RequireScope(Scopes.ProductsWrite)]
    [Consumes("application/json", "application/merge-patch+json")]
    [ProducesResponseType<SuccessEnvelope<ProductResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Patch(string id, [FromBody] JsonElement patch, CancellationToken ct)
    {
        var merged = MergePatch.Apply(await products.GetWriteModelAsync(id, ct), patch, json.Value.JsonSerializerOptions);
        await validator.ValidateAsync(merged, ct);
        var product = await products.UpdateAsync(id, merged, ETags.IfMatchVersion(Request), ct);
        SetETag(product.Version);
        return Envelope(product, "Product updated successfully", toast: true);
    }

    /// <summary>Delete a product.</summary>
    /// <remarks>Soft delete: the product disappears from reads and its SKU is freed; sync clients see the deletion.</remarks>
    [HttpDelete("{id}")]
    [RequireScope(Scopes.ProductsWrite)]
    [ProducesResponseType<SuccessEnvelope<DeletedResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Delete(string id, CancellationToken ct) =>
        Envelope(await products.DeleteAsync(id, ETags.IfMatchVersion(Request), ct), "Product deleted successfully", toast: true);

    // Stock and pricing (include=inventory,pricing) come from balances at visible locations.
    private static CachedData Shows(IReadOnlyCollection<string> include) => include.Count == 0 ? CachedData.Products : CachedData.All;
}
