using Microsoft.AspNetCore.Mvc;
using Smackdab.Inventory.Api.Auth;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Api.Http;
using Smackdab.Inventory.Api.Idempotency;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.OAuth;

namespace Smackdab.Inventory.Api.Controllers;

[Route("v1/oauth/clients")]
[Tags("OAuth clients")]
[RequireScope(Scopes.Admin)]
public sealed class OAuthClientsController(OAuthClientService clients, ListQueryParser lists) : ApiControllerBase
{
    private static readonly string[] Filters = ["status"];

    /// <summary>Register an OAuth client (a third-party integration).</summary>
    /// <remarks>The response's <c>id</c> is the <c>client_id</c> and <c>secret</c> the <c>client_secret</c>, shown only here; only its
    /// SHA-256 hash is kept. Tokens issued to the client never carry scopes beyond <c>scopes</c>. <c>redirect_uris</c> are needed
    /// for the authorization code flow only. A branch-bound credential can register only clients bound to its branch. A retry with
    /// the same <c>Idempotency-Key</c> returns the client without its secret (<c>meta.redacted_fields</c>).</remarks>
    [HttpPost]
    [ResponseSecrets("secret")]
    [ProducesResponseType<SuccessEnvelope<OAuthClientResponse>>(StatusCodes.Status201Created)]
    public async Task<IActionResult> Create([FromBody] CreateOAuthClientRequest request, CancellationToken ct)
    {
        BranchBinding.EnsureSameBranch(User, request.BranchId, "clients");
        var client = await clients.CreateAsync(request, ct);
        return Created(client, "OAuth client registered; the secret is shown only once", $"/v1/oauth/clients/{client.Id}");
    }

    /// <summary>List OAuth clients (never their secrets).</summary>
    /// <remarks>Filter <c>status</c>: <c>active</c> or <c>revoked</c>. A branch-bound (or branch-isolated) caller sees only the clients bound to its branch.</remarks>
    [HttpGet]
    [ProducesResponseType<SuccessEnvelope<List<OAuthClientResponse>>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> List(CancellationToken ct) =>
        List(await clients.ListAsync(lists.Parse(Request.Query, Filters), ct));

    /// <summary>Get an OAuth client.</summary>
    [HttpGet("{id}")]
    [ProducesResponseType<SuccessEnvelope<OAuthClientResponse>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> Get(string id, CancellationToken ct) =>
        Envelope(await clients.GetAsync(id, ct), "OAuth client retrieved successfully");

    /// <summary>Revoke an OAuth client.</summary>
    /// <remarks>At once: its secret stops working, its refresh tokens die and its access tokens are refused.</remarks>
    [HttpDelete("{id}")]
    [ProducesResponseType<SuccessEnvelope<OAuthClientResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Revoke(string id, CancellationToken ct) =>
        Envelope(await clients.RevokeAsync(id, ct), "OAuth client revoked", toast: true);
}
