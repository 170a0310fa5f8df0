using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Smackdab.Inventory.Api.Auth;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Features.ApiKeys;
using Smackdab.Inventory.Domain.Features.OAuth;

namespace Smackdab.Inventory.Api.Controllers;

/// <summary>
/// The OAuth 2.0 authorization server for third-party integrations (RFC 6749, 7636, 7009, 7662). These endpoints speak the
/// OAuth protocol, not the envelope: errors are <c>{"error": "...", "error_description": "..."}</c>.
/// </summary>
[AllowAnonymous]
[OAuthErrors]
[RateLimiting.ClientAddressRateLimit]
[Tags("OAuth 2.0")]
public sealed class OAuthController(
    OAuthGrantService grants,
    AccessTokenService tokens,
    AuthFailureLimiter limiter,
    IOptions<JwtOptions> jwt,
    TimeProvider clock,
    ILogger<OAuthController> logger) : ControllerBase
{
    /// <summary>Authorization request: shows the consent page.</summary>
    /// <remarks>Authorization code flow with PKCE (S256) required. The page asks an organization admin of the client's
    /// organization to sign in with an <c>inventory.admin</c> API key and approve or deny. Problems with <c>client_id</c> or
    /// <c>redirect_uri</c>, and every other invalid request, are shown on an error page (400), never redirected (RFC 9700 §4.11.2);
    /// only the admin's decision is redirected to the client.</remarks>
    [HttpGet("oauth/authorize")]
    [Produces("text/html")]
    [ProducesResponseType(StatusCodes.Status200OK)]
    [ProducesResponseType(StatusCodes.Status302Found)]
    public async Task<IActionResult> Authorize([FromQuery] AuthorizeParameters parameters, CancellationToken ct)
    {
        var request = await CheckAuthorizationRequestAsync(parameters, Request.Query, ct);
        if (request.Result is not null)
        {
            return request.Result;
        }

        return ConsentPage.Consent(HttpContext, ConsentModel(request, parameters, error: null));
    }

    /// <summary>Consent decision: the admin approves (a code is issued) or denies.</summary>
    /// <remarks>Form fields: the authorization request's parameters, <c>decision</c> (<c>approve</c> or <c>deny</c>) and
    /// <c>api_key</c> (an <c>inventory.admin</c> key of the client's organization; the <c>X-API-Key</c> header works too).
    /// Approval redirects to <c>redirect_uri</c> with <c>code</c> (single use, valid 60 s by default), <c>state</c> and <c>iss</c>.</remarks>
    [HttpPost("oauth/authorize")]
    [Produces("text/html")]
    [ProducesResponseType(StatusCodes.Status302Found)]
    [ProducesResponseType(StatusCodes.Status401Unauthorized)]
    public async Task<IActionResult> Consent([FromForm] ConsentParameters parameters, CancellationToken ct)
    {
        if (!Request.HasFormContentType)
        {
            return ConsentPage.Error(HttpContext, StatusCodes.Status400BadRequest, "The consent form must be posted as application/x-www-form-urlencoded");
        }

        if (await TryReadFormAsync(ct) is not { } form)
        {
            return ConsentPage.Error(HttpContext, StatusCodes.Status400BadRequest, "The consent form could not be read");
        }

        var request = await CheckAuthorizationRequestAsync(parameters, form, ct);
        if (request.Result is not null)
        {
            return request.Result;
        }

        if (parameters.Decision != "approve")
        {
            return RedirectWithError(request, OAuthErrors.AccessDenied, "The organization admin denied the request");
        }

        var secret = string.IsNullOrEmpty(parameters.ApiKey) ? Request.Headers[ApiKeyAuthenticationHandler.Header].ToString() : parameters.ApiKey;
        if (secret.Length == 0)
        {
            return ConsentPage.Consent(HttpContext, ConsentModel(request, parameters, "Sign in with an organization admin API key"), StatusCodes.Status401Unauthorized);
        }

        var ip = AuthFailureLimiter.ClientIp(HttpContext);
        var prefix = ApiKeySecrets.DisplayPrefix(secret);
        if (limiter.RetryAfter(ip, prefix) is { } wait)
        {
            Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return ConsentPage.Error(HttpContext, StatusCodes.Status429TooManyRequests, "Too many failed sign-in attempts; retry later");
        }

        var admin = await grants.FindConsentingKeyAsync(secret, request.Client!.OrganizationId, ct);
        if (admin is null)
        {
            limiter.RecordFailure(ip, prefix);
            logger.LogInformation("Consent refused for client {ClientId}: key with prefix {KeyPrefix} is not an admin key of {OrganizationId}",
                request.Client.Id, prefix, request.Client.OrganizationId);
            return ConsentPage.Consent(HttpContext, ConsentModel(request, parameters,
                "That key is not an active inventory.admin API key of this organization"), StatusCodes.Status401Unauthorized);
        }

        if (admin.BranchId is not null && request.Client.BranchId is not null && admin.BranchId != request.Client.BranchId)
        {
            return RedirectWithError(request, OAuthErrors.AccessDenied, "The admin key and the client are bound to different branches");
        }

        var code = await grants.IssueCodeAsync(request.Client, new ApprovedAuthorization(
            admin.Id, admin.BranchId ?? request.Client.BranchId, request.Scopes, request.RedirectUri!, parameters.RedirectUri is not null, parameters.CodeChallenge!), ct);
        logger.LogInformation("Authorization code issued to client {ClientId} of {OrganizationId}, consented by key {KeyId}, scopes {Scopes}",
            request.Client.Id, request.Client.OrganizationId, admin.Id, OAuthScopes.Format(request.Scopes));
        return RedirectTo(request, new Dictionary<string, string?> { ["code"] = code });
    }

    /// <summary>Token endpoint.</summary>
    /// <remarks><c>application/x-www-form-urlencoded</c>. Client authentication: HTTP Basic (<c>client_secret_basic</c>) or
    /// <c>client_id</c> + <c>client_secret</c> in the form (<c>client_secret_post</c>). Grants:
    /// <c>authorization_code</c> (with <c>code</c>, <c>code_verifier</c>, and <c>redirect_uri</c> if the authorization request had one),
    /// <c>refresh_token</c> (rotating: the used token dies; reusing it revokes the whole grant) and <c>client_credentials</c>.
    /// The access token is an RS256 JWT (see <c>/.well-known/jwks.json</c>).</remarks>
    [HttpPost("oauth/token")]
    [Produces("application/json")]
    [ProducesResponseType<TokenResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<OAuthErrorResponse>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<OAuthErrorResponse>(StatusCodes.Status401Unauthorized)]
    [ProducesResponseType<OAuthErrorResponse>(StatusCodes.Status429TooManyRequests)]
    public async Task<IActionResult> Token([FromForm] TokenParameters parameters, CancellationToken ct)
    {
        NoStore();
        var form = await ReadFormAsync(ct);
        var client = await AuthenticateClientAsync(form, parameters.ClientId, parameters.ClientSecret, ct);
        var result = parameters.GrantType switch
        {
            "authorization_code" => await grants.RedeemCodeAsync(client, parameters.Code, parameters.RedirectUri, parameters.CodeVerifier, ct),
            "refresh_token" => await grants.RefreshAsync(client, parameters.RefreshToken, parameters.Scope, ct),
            "client_credentials" => new GrantResult(OAuthGrantService.ClientCredentials(client, parameters.Scope), null),
            null or "" => throw new OAuthException(OAuthErrors.InvalidRequest, "grant_type is required"),
            _ => throw new OAuthException(OAuthErrors.UnsupportedGrantType, "grant_type must be authorization_code, refresh_token or client_credentials"),
        };

        var access = await tokens.IssueAsync(result.Grant, ct);
        logger.LogInformation("Issued access token {TokenId} to client {ClientId} of {OrganizationId} ({GrantType}), scopes {Scopes}",
            access.TokenId, client.Id, client.OrganizationId, parameters.GrantType, OAuthScopes.Format(result.Grant.Scopes));
        return Ok(new TokenResponse(access.Token, "Bearer", access.ExpiresInSeconds, result.RefreshToken, OAuthScopes.Format(result.Grant.Scopes)));
    }

    /// <summary>Token revocation (RFC 7009).</summary>
    /// <remarks>Client authentication as for the token endpoint. Revoking a refresh token revokes its whole grant, including
    /// the access tokens issued under it; revoking an access token refuses it from then on. Answers 200 also for unknown,
    /// invalid or foreign tokens, as RFC 7009 asks.</remarks>
    [HttpPost("oauth/revoke")]
    [ProducesResponseType(StatusCodes.Status200OK)]
    [ProducesResponseType<OAuthErrorResponse>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<OAuthErrorResponse>(StatusCodes.Status401Unauthorized)]
    public async Task<IActionResult> Revoke([FromForm] TokenInspectionParameters parameters, CancellationToken ct)
    {
        NoStore();
        var form = await ReadFormAsync(ct);
        var client = await AuthenticateClientAsync(form, parameters.ClientId, parameters.ClientSecret, ct);
        var token = Require(parameters.Token, "token");
        if (await grants.RevokeRefreshTokenAsync(client, token, ct))
        {
            logger.LogInformation("Client {ClientId} revoked a refresh token and its grant", client.Id);
            return Ok();
        }

        var access = await tokens.ValidateAsync(token, ct, checkLifetime: false);
        if (access.Claims is { } claims && claims.ClientId == client.Id && claims.ExpiresAt > clock.GetUtcNow().UtcDateTime)
        {
            await grants.RevokeAccessTokenAsync(claims.TokenId, claims.ExpiresAt.AddSeconds(jwt.Value.ClockSkewSeconds), ct);
            logger.LogInformation("Client {ClientId} revoked access token {TokenId}", client.Id, claims.TokenId);
        }

        return Ok();
    }

    /// <summary>Token introspection (RFC 7662).</summary>
    /// <remarks>Client authentication as for the token endpoint. A client can introspect only its own tokens; anything else,
    /// and any expired, revoked or used token, is <c>{"active": false}</c>.</remarks>
    [HttpPost("oauth/introspect")]
    [Produces("application/json")]
    [ProducesResponseType<IntrospectionResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<OAuthErrorResponse>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<OAuthErrorResponse>(StatusCodes.Status401Unauthorized)]
    public async Task<IActionResult> Introspect([FromForm] TokenInspectionParameters parameters, CancellationToken ct)
    {
        NoStore();
        var form = await ReadFormAsync(ct);
        var client = await AuthenticateClientAsync(form, parameters.ClientId, parameters.ClientSecret, ct);
        var token = Require(parameters.Token, "token");
        var now = clock.GetUtcNow().UtcDateTime;

        var refresh = await grants.FindRefreshTokenAsync(token, ct);
        if (refresh is not null)
        {
            var active = refresh.ClientId == client.Id && refresh.UsedAt is null && refresh.RevokedAt is null && refresh.ExpiresAt > now;
            return Ok(!active ? new IntrospectionResponse() : new IntrospectionResponse
            {
                Active = true,
                TokenType = "refresh_token",
                Scope = OAuthScopes.Format(OAuthScopes.Narrow(refresh.Scopes, client.Scopes)),
                ClientId = refresh.ClientId,
                Sub = refresh.Subject,
                Org = refresh.OrganizationId,
                Branch = refresh.BranchId,
                Iat = new DateTimeOffset(refresh.CreatedAt, TimeSpan.Zero).ToUnixTimeSeconds(),
                Exp = new DateTimeOffset(refresh.ExpiresAt, TimeSpan.Zero).ToUnixTimeSeconds(),
            });
        }

        var access = await tokens.ValidateAsync(token, ct);
        if (access.Claims is not { } claims || claims.ClientId != client.Id
            || await grants.IsAccessTokenRevokedAsync(claims.TokenId, claims.GrantId, claims.ClientId, ct))
        {
            return Ok(new IntrospectionResponse());
        }

        return Ok(new IntrospectionResponse
        {
            Active = true,
            TokenType = "Bearer",
            Scope = OAuthScopes.Format(claims.Scopes),
            ClientId = claims.ClientId,
            Sub = claims.Subject,
            Org = claims.OrganizationId,
            Branch = claims.BranchId,
            Iss = claims.Issuer,
            Aud = claims.Audience,
            Jti = claims.TokenId,
            Iat = new DateTimeOffset(claims.IssuedAt, TimeSpan.Zero).ToUnixTimeSeconds(),
            Exp = new DateTimeOffset(claims.ExpiresAt, TimeSpan.Zero).ToUnixTimeSeconds(),
        });
    }

    private async Task<IFormCollection> ReadFormAsync(CancellationToken ct)
    {
        if (!Request.HasFormContentType)
        {
            throw new OAuthException(OAuthErrors.InvalidRequest, "The request must be application/x-www-form-urlencoded");
        }

        var form = await TryReadFormAsync(ct) ?? throw new OAuthException(OAuthErrors.InvalidRequest, "The form could not be read");
        if (form.FirstOrDefault(f => f.Value.Count > 1) is { Key: { } repeated } && repeated.Length > 0)
        {
            throw new OAuthException(OAuthErrors.InvalidRequest, $"Parameter {repeated} is repeated");
        }

        return form;
    }

    /// <summary>The form, or null when the body is not a readable form (e.g. multipart without its boundary, over the form limits).</summary>
    private async Task<IFormCollection?> TryReadFormAsync(CancellationToken ct)
    {
        try
        {
            return await Request.ReadFormAsync(ct);
        }
        catch (Exception e) when (e is InvalidDataException or (IOException and not BadHttpRequestException) && !ct.IsCancellationRequested)
        {
            logger.LogInformation("Unreadable OAuth form: {Reason}", e.Message);
            return null;
        }
    }

    /// <summary>HTTP Basic or client_secret_post, never both; failures count towards the failed-authentication limit.</summary>
    private async Task<OAuthClient> AuthenticateClientAsync(IFormCollection form, string? formClientId, string? formSecret, CancellationToken ct)
    {
        var clientId = formClientId;
        var secret = formSecret;
        var header = Request.Headers.Authorization.ToString();
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            if (form.ContainsKey("client_secret"))
            {
                throw new OAuthException(OAuthErrors.InvalidRequest, "Use one client authentication method: HTTP Basic or client_secret_post");
            }

            if (!BasicCredentials.TryParse(header, out var basicId, out var basicSecret))
            {
                throw new OAuthException(OAuthErrors.InvalidClient, "Malformed HTTP Basic client credentials");
            }

            if (clientId is not null && clientId != basicId)
            {
                throw new OAuthException(OAuthErrors.InvalidRequest, "client_id does not match the HTTP Basic credentials");
            }

            (clientId, secret) = (basicId, basicSecret);
        }

        if (string.IsNullOrEmpty(clientId) || string.IsNullOrEmpty(secret))
        {
            throw new OAuthException(OAuthErrors.InvalidClient, "Client authentication is required: HTTP Basic, or client_id and client_secret in the form");
        }

        var ip = AuthFailureLimiter.ClientIp(HttpContext);
        var prefix = "client:" + (clientId.Length > 64 ? clientId[..64] : clientId);
        if (limiter.RetryAfter(ip, prefix) is { } wait)
        {
            throw new OAuthThrottledException(wait);
        }

        var client = await grants.AuthenticateClientAsync(clientId, secret, ct);
        if (client is null)
        {
            limiter.RecordFailure(ip, prefix);
            // Only something shaped like a client id is logged: a secret pasted into client_id must not reach the log.
            var loggable = clientId.StartsWith(OAuthSecrets.ClientIdPrefix + "_", StringComparison.Ordinal) && clientId.Length <= 40 ? clientId : "(not a client id)";
            logger.LogInformation("Client authentication failed for client id {ClientId}", loggable);
            throw new OAuthException(OAuthErrors.InvalidClient, "Client authentication failed");
        }

        return client;
    }

    private static string Require(string? value, string name) =>
        string.IsNullOrEmpty(value) ? throw new OAuthException(OAuthErrors.InvalidRequest, $"{name} is required") : value;

    private void NoStore()
    {
        Response.Headers.CacheControl = "no-store";
        Response.Headers.Pragma = "no-cache";
    }

    private sealed record AuthorizationRequest(OAuthClient? Client, string? RedirectUri, IReadOnlyList<string> Scopes, string? State, IActionResult? Result);

    /// <summary>
    /// Validates the authorization request. Every problem is an error page, never a redirect: not to an unregistered URI,
    /// and not to a registered one before the admin has seen the request (RFC 9700 §4.11.2, no open redirector).
    /// </summary>
    private async Task<AuthorizationRequest> CheckAuthorizationRequestAsync(
        AuthorizeParameters p, IEnumerable<KeyValuePair<string, StringValues>> raw, CancellationToken ct)
    {
        var repeated = raw.Where(r => r.Value.Count > 1).Select(r => r.Key).ToList();
        if (repeated.Contains("client_id") || repeated.Contains("redirect_uri"))
        {
            return Failed(ConsentPage.Error(HttpContext, StatusCodes.Status400BadRequest, "client_id and redirect_uri must not be repeated"));
        }

        var client = await grants.FindActiveClientAsync(p.ClientId, ct);
        if (client is null)
        {
            return Failed(ConsentPage.Error(HttpContext, StatusCodes.Status400BadRequest, "Unknown or revoked client_id"));
        }

        var redirectUri = p.RedirectUri ?? (client.RedirectUris.Count == 1 ? client.RedirectUris[0] : null);
        if (redirectUri is null || !client.RedirectUris.Contains(redirectUri, StringComparer.Ordinal))
        {
            return Failed(ConsentPage.Error(HttpContext, StatusCodes.Status400BadRequest, p.RedirectUri is null
                ? "redirect_uri is required: the client has no single registered redirect URI"
                : "redirect_uri is not registered for this client"));
        }

        var request = new AuthorizationRequest(client, redirectUri, [], p.State, null);
        if (repeated.Count > 0)
        {
            return Invalid(OAuthErrors.InvalidRequest, $"Parameter {repeated[0]} is repeated");
        }

        if (p.ResponseType != "code")
        {
            return Invalid(OAuthErrors.UnsupportedResponseType, "response_type must be code");
        }

        if (string.IsNullOrEmpty(p.CodeChallenge))
        {
            return Invalid(OAuthErrors.InvalidRequest, "code_challenge is required (PKCE)");
        }

        if (p.CodeChallengeMethod != Pkce.S256)
        {
            return Invalid(OAuthErrors.InvalidRequest, "code_challenge_method must be S256");
        }

        if (!Pkce.IsWellFormed(p.CodeChallenge))
        {
            return Invalid(OAuthErrors.InvalidRequest, "code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~");
        }

        if (!OAuthScopes.TryResolve(p.Scope, client.Scopes, out var scopes, out var scopeError))
        {
            return Invalid(OAuthErrors.InvalidScope, scopeError!);
        }

        return request with { Scopes = scopes };

        AuthorizationRequest Failed(IActionResult result) => new(null, null, [], null, result);

        // RFC 9700 §4.11.2: an invalid request is shown, not redirected; only the admin's decision goes back to the client.
        AuthorizationRequest Invalid(string error, string description) =>
            Failed(ConsentPage.Error(HttpContext, StatusCodes.Status400BadRequest, $"Invalid authorization request ({error}): {description}"));
    }

    private ConsentPage.Model ConsentModel(AuthorizationRequest request, AuthorizeParameters parameters, string? error) =>
        new(request.Client!.Id, request.Client.Name, request.Client.OrganizationId, request.Scopes, parameters.ToDictionary(), error);

    private RedirectResult RedirectWithError(AuthorizationRequest request, string error, string description) =>
        RedirectTo(request, new Dictionary<string, string?> { ["error"] = error, ["error_description"] = description });

    private RedirectResult RedirectTo(AuthorizationRequest request, Dictionary<string, string?> parameters)
    {
        if (request.State is not null)
        {
            parameters["state"] = request.State;
        }

        parameters["iss"] = jwt.Value.Issuer;
        Response.Headers.CacheControl = "no-store";
        Response.Headers["Referrer-Policy"] = "no-referrer";
        return Redirect(QueryHelpers.AddQueryString(request.RedirectUri!, parameters));
    }
}
