using Microsoft.AspNetCore.Mvc;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Api.Http;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Allocations;

namespace Smackdab.Inventory.Api.Controllers;

[Route("v1/allocations")]
[Tags("Allocations")]
public sealed class AllocationsController(AllocationService allocations, ListQueryParser lists, Representation representation) : ApiControllerBase
{
    private static readonly string[] Filters = ["priority", "status", "product_id", "location_id", "reference"];

    /// <summary>Allocate stock to a reference (e.g. an order).</summary>
    /// <remarks>Raises the balance's allocated; refused with 409 INSUFFICIENT_STOCK when it would exceed what is available.</remarks>
    [HttpPost]
    [RequireScope(Scopes.AllocationsManage)]
    [ProducesResponseType<SuccessEnvelope<AllocationResponse>>(StatusCodes.Status201Created)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status409Conflict)]
    public async Task<IActionResult> Create([FromBody] CreateAllocationRequest request, CancellationToken ct)
    {
        var allocation = await allocations.CreateAsync(request, ct);
        SetETag(allocation.Version);
        return Created(allocation, "Allocation created successfully", $"/v1/allocations/{allocation.Id}");
    }

    /// <summary>List allocations.</summary>
    /// <remarks>Filters: <c>priority</c> (low, normal, high), <c>status</c> (pending, fulfilled, released, closed), <c>product_id</c>, <c>location_id</c>, <c>reference</c>.</remarks>
    [HttpGet]
    [RequireScope(Scopes.AllocationsRead)]
    [ProducesResponseType<SuccessEnvelope<List<AllocationResponse>>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> List(CancellationToken ct)
    {
        var page = await allocations.ListAsync(lists.Parse(Request.Query, Filters), ct);
        return List(page, representation.SelectFields(Request.Query, page.Items, []));
    }

    /// <summary>Get an allocation.</summary>
    [HttpGet("{id}")]
    [RequireScope(Scopes.AllocationsRead)]
    [ProducesResponseType<SuccessEnvelope<AllocationResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Get(string id, CancellationToken ct)
    {
        var allocation = await allocations.GetAsync(id, ct);
        return NotModifiedIfMatches(allocation.Version) ?? Envelope(allocation, "Allocation retrieved successfully");
    }

    /// <summary>Release some or all of an allocation.</summary>
    /// <remarks>Without a quantity the whole open quantity is released.</remarks>
    [HttpPost("{id}/releases")]
    [RequireScope(Scopes.AllocationsManage)]
    [ProducesResponseType<SuccessEnvelope<AllocationResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Release(string id, [FromBody] AllocationQuantityRequest request, CancellationToken ct) =>
        Envelope(await allocations.ReleaseAsync(id, request, ct), "Allocation released", toast: true);

    /// <summary>Fulfil (ship) some or all of an allocation.</summary>
    /// <remarks>Books a shipment that lowers on_hand and allocated together; without a quantity the whole open quantity ships.</remarks>
    [HttpPost("{id}/fulfillments")]
    [RequireScope(Scopes.AllocationsManage)]
    [ProducesResponseType<SuccessEnvelope<AllocationResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Fulfil(string id, [FromBody] AllocationQuantityRequest request, CancellationToken ct) =>
        Envelope(await allocations.FulfilAsync(id, request, ct), "Allocation fulfilled", toast: true);
}
