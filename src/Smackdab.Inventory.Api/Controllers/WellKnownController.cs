using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Api.Auth;
using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Api.Controllers;

/// <summary>Public key set and authorization server metadata; standard formats, not the envelope.</summary>
[AllowAnonymous]
[Tags("OAuth 2.0")]
public sealed class WellKnownController(SigningKeyCache keys, IOptions<JwtOptions> jwt) : ControllerBase
{
    /// <summary>The keys that verify access tokens (RFC 7517 JWK Set).</summary>
    /// <remarks>The current key and the previous one: a token signed before the last rotation still verifies. Match a token's
    /// <c>kid</c> header against <c>keys[].kid</c>.</remarks>
    [HttpGet(".well-known/jwks.json")]
    [Produces("application/json")]
    [ProducesResponseType(StatusCodes.Status200OK)]
    public async Task<IActionResult> Jwks(CancellationToken ct)
    {
        var published = await keys.GetPublishedAsync(ct);
        Response.Headers.CacheControl = $"public, max-age={jwt.Value.KeyCacheSeconds}";
        return Ok(new Dictionary<string, object> { ["keys"] = published.Select(k => k.ToJwk()).ToList() });
    }

    /// <summary>Authorization server metadata (RFC 8414).</summary>
    /// <remarks>Every endpoint URL is built from the configured issuer (<c>Jwt:Issuer</c>), whatever Host the request named.</remarks>
    [HttpGet(".well-known/oauth-authorization-server")]
    [Produces("application/json")]
    [ProducesResponseType(StatusCodes.Status200OK)]
    public IActionResult Metadata()
    {
        // From the configured issuer, never from the request: a forged Host header must not move the token endpoint (RFC 8414 §3.3).
        var baseUrl = jwt.Value.Issuer.TrimEnd('/');
        return Ok(new Dictionary<string, object>
        {
            ["issuer"] = jwt.Value.Issuer,
            ["authorization_endpoint"] = baseUrl + "/oauth/authorize",
            ["token_endpoint"] = baseUrl + "/oauth/token",
            ["revocation_endpoint"] = baseUrl + "/oauth/revoke",
            ["introspection_endpoint"] = baseUrl + "/oauth/introspect",
            ["jwks_uri"] = baseUrl + "/.well-known/jwks.json",
            ["response_types_supported"] = new[] { "code" },
            ["grant_types_supported"] = new[] { "authorization_code", "refresh_token", "client_credentials" },
            ["code_challenge_methods_supported"] = new[] { "S256" },
            ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_basic", "client_secret_post" },
            ["revocation_endpoint_auth_methods_supported"] = new[] { "client_secret_basic", "client_secret_post" },
            ["introspection_endpoint_auth_methods_supported"] = new[] { "client_secret_basic", "client_secret_post" },
            ["scopes_supported"] = Scopes.All,
        });
    }
}
