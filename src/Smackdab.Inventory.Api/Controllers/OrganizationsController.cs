using Microsoft.AspNetCore.Mvc;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Api.Idempotency;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Features.Organizations;

namespace Smackdab.Inventory.Api.Controllers;

[Route("v1/organizations")]
[Tags("Organizations")]
public sealed class OrganizationsController(OrganizationService organizations) : ApiControllerBase
{
    /// <summary>Provision a tenant: an organization, its default branch and an admin API key.</summary>
    /// <remarks>Platform administrators only (<c>X-API-Key</c> = the configured platform key); the one <c>/v1</c> call made without
    /// <c>X-Organization-ID</c>. Answers 404 when no platform key is configured. The admin key's secret is shown once.</remarks>
    [HttpPost]
    [RequirePlatformKey]
    [ResponseSecrets("api_key.secret")]
    [ProducesResponseType<SuccessEnvelope<OrganizationResponse>>(StatusCodes.Status201Created)]
    public async Task<IActionResult> Create([FromBody] CreateOrganizationRequest request, CancellationToken ct)
    {
        var organization = await organizations.ProvisionAsync(request, ct);
        return Created(organization, "Organization created; the API key secret is shown only once");
    }
}
