using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Api.RateLimiting;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Organizations;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Api.Controllers;

[Tags("Organizations")]
public sealed class OrganizationSettingsController(
    OrganizationSettingsService settings, TenantContext tenant, OrganizationTierCache tiers, IOptions<RateLimitOptions> rateLimits) : ApiControllerBase
{
    /// <summary>The organization's settings.</summary>
    /// <remarks><c>require_idempotency_for_inventory</c>: POSTs under /v1/inventory need an Idempotency-Key (default true).
    /// <c>rate_limit_tier</c>: the budget of the organization's credentials (default or premium).</remarks>
    [HttpGet("v1/organization/settings")]
    [RequireScope(Scopes.ProductsRead)]
    [ProducesResponseType<SuccessEnvelope<OrganizationSettingsResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Get(CancellationToken ct) =>
        Envelope(await settings.GetAsync(tenant.RequireOrganization(), ct), "Organization settings retrieved successfully");

    /// <summary>Change the organization's settings.</summary>
    /// <remarks>Send only the fields to change. A branch-bound credential is refused (403): the settings are organization-wide. <c>rate_limit_tier</c> is read-only here (403); the platform operator sets it.</remarks>
    [HttpPatch("v1/organization/settings")]
    [RequireScope(Scopes.Admin)]
    [OrganizationWide]
    [ProducesResponseType<SuccessEnvelope<OrganizationSettingsResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Update([FromBody] OrganizationSettingsPatch patch, CancellationToken ct)
    {
        var organizationId = tenant.RequireOrganization();
        var updated = await settings.UpdateAsync(organizationId, patch, allowedTiers: null, ct);
        tiers.Invalidate(organizationId);
        return Envelope(updated, "Organization settings updated successfully", toast: true);
    }

    /// <summary>Change any organization's settings, including its rate-limit tier.</summary>
    /// <remarks>Platform administrators only (the platform key, no <c>X-Organization-ID</c>). Other instances see a new tier within
    /// RateLimiting:TierCacheSeconds.</remarks>
    [HttpPatch("v1/organizations/{id}/settings")]
    [RequirePlatformKey]
    [ProducesResponseType<SuccessEnvelope<OrganizationSettingsResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> UpdateAsPlatform(string id, [FromBody] OrganizationSettingsPatch patch, CancellationToken ct)
    {
        var updated = await settings.UpdateAsync(id, patch, rateLimits.Value.Tiers.Keys.Order(StringComparer.Ordinal).ToList(), ct);
        tiers.Invalidate(id);
        return Envelope(updated, "Organization settings updated successfully", toast: true);
    }
}
