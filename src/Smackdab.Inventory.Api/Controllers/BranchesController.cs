using Microsoft.AspNetCore.Mvc;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Api.Http;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Organizations;

namespace Smackdab.Inventory.Api.Controllers;

[Route("v1/branches")]
[Tags("Branches")]
public sealed class BranchesController(BranchService branches, ListQueryParser lists) : ApiControllerBase
{
    /// <summary>List the organization's branches.</summary>
    [HttpGet]
    [RequireScope(Scopes.ProductsRead)]
    [ProducesResponseType<SuccessEnvelope<List<BranchResponse>>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> List(CancellationToken ct) =>
        List(await branches.ListAsync(lists.Parse(Request.Query, []), ct));

    /// <summary>Create a branch.</summary>
    /// <remarks>A branch-bound credential is refused (403): branches are organization-wide.</remarks>
    [HttpPost]
    [RequireScope(Scopes.Admin)]
    [OrganizationWide]
    [ProducesResponseType<SuccessEnvelope<BranchResponse>>(StatusCodes.Status201Created)]
    public async Task<IActionResult> Create([FromBody] CreateBranchRequest request, CancellationToken ct) =>
        Created(await branches.CreateAsync(request, ct), "Branch created successfully");
}
