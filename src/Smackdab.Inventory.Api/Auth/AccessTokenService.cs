using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.OAuth;
using Smackdab.Inventory.Domain.Features.SigningKeys;

namespace Smackdab.Inventory.Api.Auth;

/// <summary>An issued access token.</summary>
public sealed record IssuedAccessToken(string Token, string TokenId, DateTime ExpiresAt, int ExpiresInSeconds);

/// <summary>The verified content of an access token.</summary>
public sealed record AccessTokenClaims(
    string Subject,
    string OrganizationId,
    string? BranchId,
    IReadOnlyList<string> Scopes,
    string ClientId,
    string TokenId,
    string? GrantId,
    string Issuer,
    string Audience,
    DateTime IssuedAt,
    DateTime ExpiresAt);

/// <summary>The outcome of validating an access token: claims, or a reason that is safe to show the caller.</summary>
public sealed record AccessTokenValidation(AccessTokenClaims? Claims, string? FailureReason)
{
    public bool IsValid => Claims is not null;

    public static AccessTokenValidation Fail(string reason) => new(null, reason);
}

/// <summary>
/// Issues and validates this API's access tokens: JWTs signed RS256 with the current key (<c>kid</c> in the header), claims
/// <c>sub</c>, <c>org</c>, <c>branch</c>, <c>permissions</c>, <c>client_id</c>, <c>jti</c>, <c>sid</c>, <c>iss</c>, <c>aud</c>,
/// <c>iat</c>, <c>nbf</c>, <c>exp</c>. All times come from the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class AccessTokenService(SigningKeyCache keys, IOptions<JwtOptions> options, TimeProvider clock)
{
    public const string TokenType = "at+jwt";
    public const string PermissionsClaim = "permissions";
    public const string ClientIdClaim = "client_id";
    public const string GrantIdClaim = "sid";
    public const int MaxTokenLength = 8192;

    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false, MapInboundClaims = false };

    private JwtOptions Options => options.Value;

    public async Task<IssuedAccessToken> IssueAsync(TokenGrant grant, CancellationToken ct)
    {
        var key = await keys.GetSigningKeyAsync(ct);
        // JWT times have whole seconds.
        var now = DateTimeOffset.FromUnixTimeSeconds(clock.GetUtcNow().ToUnixTimeSeconds()).UtcDateTime;
        var expires = now.Add(Options.AccessTokenLifetime);
        var tokenId = "at_" + PublicId.RandomToken(24);
        var claims = new Dictionary<string, object>
        {
            [JwtRegisteredClaimNames.Sub] = grant.Subject,
            ["org"] = grant.OrganizationId,
            [PermissionsClaim] = grant.Scopes.ToArray(),
            [ClientIdClaim] = grant.ClientId,
            [JwtRegisteredClaimNames.Jti] = tokenId,
        };
        if (grant.BranchId is not null)
        {
            claims["branch"] = grant.BranchId;
        }

        if (grant.GrantId is not null)
        {
            claims[GrantIdClaim] = grant.GrantId;
        }

        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Options.Issuer,
            Audience = Options.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = expires,
            TokenType = TokenType,
            Claims = claims,
            SigningCredentials = new SigningCredentials(key.SigningKey, SecurityAlgorithms.RsaSha256),
        });
        return new IssuedAccessToken(token, tokenId, expires, Options.AccessTokenLifetimeSeconds);
    }

    /// <summary>
    /// Checks algorithm (RS256 only: <c>none</c>, HS256 and the rest are refused before anything else), kid, signature, type,
    /// issuer, audience, that <c>exp − iat</c> is within the configured lifetime, that a retired key signed it before its
    /// retirement, and, unless <paramref name="checkLifetime"/> is false, <c>exp</c>/<c>nbf</c> against the injected clock.
    /// </summary>
    public async Task<AccessTokenValidation> ValidateAsync(string token, CancellationToken ct, bool checkLifetime = true)
    {
        if (token.Length is 0 or > MaxTokenLength)
        {
            return AccessTokenValidation.Fail("The token is not a well-formed JWT");
        }

        JsonWebToken parsed;
        try
        {
            parsed = new JsonWebToken(token);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenMalformedException or FormatException or System.Text.Json.JsonException)
        {
            return AccessTokenValidation.Fail("The token is not a well-formed JWT");
        }

        if (parsed.Alg != SigningKeyService.Algorithm)
        {
            return AccessTokenValidation.Fail("The token's alg is not RS256, the only algorithm accepted");
        }

        if (string.IsNullOrEmpty(parsed.Kid))
        {
            return AccessTokenValidation.Fail("The token has no kid header");
        }

        var published = await keys.FindPublishedKeyAsync(parsed.Kid, ct);
        if (published is null)
        {
            return AccessTokenValidation.Fail("The token's signing key (kid) is unknown or has been retired");
        }

        var key = published.VerificationKey;

        var result = await _handler.ValidateTokenAsync(parsed, new TokenValidationParameters
        {
            ValidIssuer = Options.Issuer,
            ValidAudience = Options.Audience,
            IssuerSigningKey = key,
            TryAllIssuerSigningKeys = false,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            ValidTypes = [TokenType],
            RequireSignedTokens = true,
            // Lifetime is checked below against the injected TimeProvider, which the library cannot use.
            ValidateLifetime = false,
            RequireExpirationTime = false,
            ValidateIssuerSigningKey = false,
        });
        if (!result.IsValid)
        {
            return AccessTokenValidation.Fail(Describe(result.Exception));
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (!parsed.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Exp, out _))
        {
            return AccessTokenValidation.Fail("The token has no exp claim");
        }

        // We never issue a token that lives longer than the configured lifetime, nor sign after a key's retirement: a token
        // that does either was not made by this API's rules (a leaked key, a changed configuration) and is refused.
        if (!parsed.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Iat, out _))
        {
            return AccessTokenValidation.Fail("The token has no iat claim");
        }

        if (parsed.ValidTo - parsed.IssuedAt > Options.AccessTokenLifetime + Options.ClockSkew)
        {
            return AccessTokenValidation.Fail("The token's lifetime (exp - iat) is longer than this API issues");
        }

        if (published.RetiredAt is { } retiredAt && parsed.IssuedAt > retiredAt.Add(Options.ClockSkew))
        {
            return AccessTokenValidation.Fail("The token was issued after its signing key was retired");
        }

        if (checkLifetime && now > parsed.ValidTo.Add(Options.ClockSkew))
        {
            return AccessTokenValidation.Fail($"The token expired at {parsed.ValidTo:yyyy-MM-ddTHH:mm:ssZ}");
        }

        if (checkLifetime && parsed.ValidFrom != DateTime.MinValue && parsed.ValidFrom > now.Add(Options.ClockSkew))
        {
            return AccessTokenValidation.Fail("The token is not valid yet (nbf)");
        }

        var organization = Claim(parsed, "org");
        var subject = Claim(parsed, JwtRegisteredClaimNames.Sub);
        var tokenId = Claim(parsed, JwtRegisteredClaimNames.Jti);
        var clientId = Claim(parsed, ClientIdClaim);
        if (organization is null || subject is null || tokenId is null || clientId is null)
        {
            return AccessTokenValidation.Fail("The token lacks one of the claims org, sub, jti, client_id");
        }

        var scopes = parsed.Claims.Where(c => c.Type == PermissionsClaim).Select(c => c.Value).Distinct(StringComparer.Ordinal).ToList();
        return new AccessTokenValidation(new AccessTokenClaims(
            subject, organization, Claim(parsed, "branch"), scopes, clientId, tokenId, Claim(parsed, GrantIdClaim),
            parsed.Issuer, Options.Audience, parsed.IssuedAt, parsed.ValidTo), null);
    }

    private static string? Claim(JsonWebToken token, string type) =>
        token.TryGetPayloadValue<string>(type, out var value) && !string.IsNullOrEmpty(value) ? value : null;

    private static string Describe(Exception? exception) => exception switch
    {
        SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "The token's signature is invalid",
        SecurityTokenInvalidAudienceException => "The token's audience (aud) is not this API",
        SecurityTokenInvalidIssuerException => "The token was not issued by this API (iss)",
        SecurityTokenInvalidTypeException => $"The token's typ is not {TokenType}",
        SecurityTokenInvalidAlgorithmException => "The token's alg is not RS256, the only algorithm accepted",
        SecurityTokenMalformedException => "The token is not a well-formed JWT",
        _ => "The token is invalid",
    };
}

/// <summary>A bearer token was presented and refused; the message is the reason shown to the caller.</summary>
public sealed class InvalidBearerTokenException(string reason) : Exception(reason);
