using Microsoft.AspNetCore.Mvc;
using Smackdab.Inventory.Api.Auth;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Api.Http;
using Smackdab.Inventory.Api.Idempotency;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.ApiKeys;

namespace Smackdab.Inventory.Api.Controllers;

[Route("v1/api-keys")]
[Tags("API keys")]
[RequireScope(Scopes.Admin)]
public sealed class ApiKeysController(ApiKeyService keys, ListQueryParser lists, ApiKeyCache cache) : ApiControllerBase
{
    private static readonly string[] Filters = ["status"];

    /// <summary>Create an API key.</summary>
    /// <remarks>The <c>secret</c> is in this response only; store it now. Only its SHA-256 hash is kept. A retry with the same
    /// <c>Idempotency-Key</c> returns the key without its secret (<c>meta.redacted_fields</c>).</remarks>
    [HttpPost]
    [ResponseSecrets("secret")]
    [ProducesResponseType<SuccessEnvelope<ApiKeyResponse>>(StatusCodes.Status201Created)]
    public async Task<IActionResult> Create([FromBody] CreateApiKeyRequest request, CancellationToken ct)
    {
        BranchBinding.EnsureSameBranch(User, request.BranchId, "keys");
        var key = await keys.CreateAsync(request, ct);
        return Created(key, "API key created; the secret is shown only once", $"/v1/api-keys/{key.Id}");
    }

    /// <summary>List API keys (never their secrets).</summary>
    /// <remarks>Filter <c>status</c>: <c>active</c> or <c>revoked</c>. A branch-bound (or branch-isolated) caller sees only the keys bound to its branch.</remarks>
    [HttpGet]
    [ProducesResponseType<SuccessEnvelope<List<ApiKeyResponse>>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> List(CancellationToken ct) =>
        List(await keys.ListAsync(lists.Parse(Request.Query, Filters), ct));

    /// <summary>Get an API key.</summary>
    [HttpGet("{id}")]
    [ProducesResponseType<SuccessEnvelope<ApiKeyResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Get(string id, CancellationToken ct) =>
        Envelope(await keys.GetAsync(id, ct), "API key retrieved successfully");

    /// <summary>Revoke an API key. It stops working at once.</summary>
    [HttpDelete("{id}")]
    [ProducesResponseType<SuccessEnvelope<ApiKeyResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Revoke(string id, CancellationToken ct)
    {
        // Answer only once this instance has seen the revocation notification that evicts the key from every instance's cache.
        var evicted = cache.RevocationSeenAsync(id);
        try
        {
            var revoked = await keys.RevokeAsync(id, ct);
            await cache.WaitBrieflyAsync(evicted, ct);
            return Envelope(revoked, "API key revoked", toast: true);
        }
        finally
        {
            cache.ForgetRevocationWait(id);
        }
    }
}
