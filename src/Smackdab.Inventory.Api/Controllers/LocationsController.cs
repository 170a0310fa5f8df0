using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Api.Caching;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Api.Http;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Api.Validation;
using Smackdab.Inventory.Api.Versioning;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Caching;
using Smackdab.Inventory.Domain.Features.Locations;
using Smackdab.Inventory.Domain.Features.Products;

namespace Smackdab.Inventory.Api.Controllers;

[Tags("Locations")]
public sealed class LocationsController(
    LocationService locations,
    ReadCache cache,
    ListQueryParser lists,
    Representation representation,
    RequestValidator validator,
    IOptions<JsonOptions> json) : ApiControllerBase
{
    private const string DeprecatedSince = "2026-11-24";
    private const string Sunset = "2027-06-30";
    private static readonly string[] Filters = ["type", "branch_id", "location_group"];

    /// <summary>List locations.</summary>
    /// <remarks>Also served at <c>GET /v1/inventory/locations</c>, the spec's path. Filters: <c>type</c>, <c>branch_id</c>, <c>location_group</c> (plain or <c>filters[…]</c>); <c>q</c> searches name and code.
    /// With <c>X-Inventory-Mode: branch_isolated</c> only the request branch's locations are listed.</remarks>
    [HttpGet("v1/locations")]
    [HttpGet("v1/inventory/locations")]
    [RequireScope(Scopes.ProductsRead)]
    [ProducesResponseType<SuccessEnvelope<List<LocationResponse>>>(StatusCodes.Status200OK)]
    [CachedRead]
    public async Task<IActionResult> List(CancellationToken ct)
    {
        var request = lists.Parse(Request.Query, Filters);
        var page = await cache.GetOrReadAsync(
            "locations", CachedData.Locations, Request, token => locations.ListAsync(request, token), ct);
        return List(page, representation.SelectFields(Request.Query, page.Items, []));
    }

    /// <summary>Get a location.</summary>
    [HttpGet("v1/locations/{id}")]
    [RequireScope(Scopes.ProductsRead)]
    [ProducesResponseType<SuccessEnvelope<LocationResponse>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status404NotFound)]
    [CachedRead]
    public async Task<IActionResult> Get(string id, CancellationToken ct)
    {
        var location = await cache.GetOrReadAsync(
            "locations", CachedData.Locations, Request, token => locations.GetAsync(id, token), ct);
        return NotModifiedIfMatches(location.Version)
            ?? Envelope(representation.SelectFields(Request.Query, location, []), "Location retrieved successfully");
    }

    /// <summary>Get a location (deprecated alias of GET /v1/locations/{id}).</summary>
    [HttpGet("v1/inventory/locations/{id}")]
    [Deprecated(since: DeprecatedSince, sunset: Sunset, link: MigrationGuide.Path + "#inventory-locations", Replacement = "GET /v1/locations/{id}")]
    [RequireScope(Scopes.ProductsRead)]
    [ProducesResponseType<SuccessEnvelope<LocationResponse>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status404NotFound)]
    public Task<IActionResult> GetDeprecated(string id, CancellationToken ct) => Get(id, ct);

    /// <summary>Create a location.</summary>
    [HttpPost("v1/locations")]
    [RequireScope(Scopes.ProductsWrite)]
    [ProducesResponseType<SuccessEnvelope<LocationResponse>>(StatusCodes.Status201Created)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status400BadRequest)]
    public async Task<IActionResult> Create([FromBody] LocationWriteRequest request, CancellationToken ct)
    {
        var location = await locations.CreateAsync(request, ct);
        SetETag(location.Version);
        return Created(location, "Location created successfully", $"/v1/locations/{location.Id}");
    }

    /// <summary>Replace a location's writable fields.</summary>
    [HttpPut("v1/locations/{id}")]
    [RequireScope(Scopes.ProductsWrite)]
    [ProducesResponseType<SuccessEnvelope<LocationResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Replace(string id, [FromBody] LocationWriteRequest request, CancellationToken ct)
    {
        var location = await locations.UpdateAsync(id, request, ETags.IfMatchVersion(Request), ct);
        SetETag(location.Version);
        return Envelope(location, "Location updated successfully", toast: true);
    }

    /// <summary>Update some of a location's fields (JSON Merge Patch).</summary>
    [HttpPatch("v1/locations/{id}")]
    [RequireScope(Scopes.ProductsWrite)]
    [Consumes("application/json", "application/merge-patch+json")]
    [ProducesResponseType<SuccessEnvelope<LocationResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Patch(string id, [FromBody] JsonElement patch, CancellationToken ct)
    {
        var merged = MergePatch.Apply(await locations.GetWriteModelAsync(id, ct), patch, json.Value.JsonSerializerOptions);
        await validator.ValidateAsync(merged, ct);
        var location = await locations.UpdateAsync(id, merged, ETags.IfMatchVersion(Request), ct);
        SetETag(location.Version);
        return Envelope(location, "Location updated successfully", toast: true);
    }

    /// <summary>Delete a location (soft delete).</summary>
    [HttpDelete("v1/locations/{id}")]
    [RequireScope(Scopes.ProductsWrite)]
    [ProducesResponseType<SuccessEnvelope<DeletedResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Delete(string id, CancellationToken ct) =>
        Envelope(await locations.DeleteAsync(id, ETags.IfMatchVersion(Request), ct), "Location deleted successfully", toast: true);
}
