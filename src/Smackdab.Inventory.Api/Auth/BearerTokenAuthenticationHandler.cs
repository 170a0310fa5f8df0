using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Features.OAuth;

namespace Smackdab.Inventory.Api.Auth;

/// <summary>
/// Authenticates <c>Authorization: Bearer</c> with this API's access tokens and maps their claims to the names every scheme
/// produces (<see cref="CallerClaims"/>): <c>org</c> and <c>branch</c> as they are, each of <c>permissions</c> as a
/// <c>scope</c> claim. So the tenancy middleware and the scope checks treat tokens exactly like API keys.
/// </summary>
public sealed class BearerTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    AccessTokenService tokens,
    OAuthGrantService grants)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "Bearer";
    public const string ClientIdClaim = "client_id";
    public const string SubjectClaim = "sub";
    public const string TokenIdClaim = "jti";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var token = header["Bearer ".Length..].Trim();
        var validation = await tokens.ValidateAsync(token, Context.RequestAborted);
        if (validation.Claims is not { } claims)
        {
            return Reject(validation.FailureReason!);
        }

        if (await grants.IsAccessTokenRevokedAsync(claims.TokenId, claims.GrantId, claims.ClientId, Context.RequestAborted))
        {
            return Reject("The token has been revoked");
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(CallerClaims.Organization, claims.OrganizationId),
                new Claim(SubjectClaim, claims.Subject),
                new Claim(ClientIdClaim, claims.ClientId),
                new Claim(TokenIdClaim, claims.TokenId),
                .. claims.Scopes.Select(s => new Claim(CallerClaims.Scope, s)),
            ],
            SchemeName);
        if (claims.BranchId is not null)
        {
            identity.AddClaim(new Claim(CallerClaims.Branch, claims.BranchId));
        }

        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    private AuthenticateResult Reject(string reason)
    {
        // The reason only: never the token.
        Logger.LogInformation("Rejected bearer token: {Reason}", reason);
        return AuthenticateResult.Fail(new InvalidBearerTokenException(reason));
    }
}
