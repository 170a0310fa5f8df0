using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Smackdab.Inventory.Api.Auth;

namespace Smackdab.Inventory.Tests.Support.Api;

/// <summary>
/// Makes tokens the API must refuse: signed with the API's own current key but with wrong claims, signed with a foreign key,
/// unsigned (alg none), HMAC-signed, or tampered after signing.
/// </summary>
public static class TokenForge
{
    /// <summary>Claims as the API issues them, for the given organization and scopes; change them before signing.</summary>
    public static Dictionary<string, object> Claims(ApiFactory api, string organizationId, string[] scopes, DateTimeOffset now, string? branchId = null)
    {
        var jwt = api.Services.GetRequiredService<IOptions<JwtOptions>>().Value;
        var claims = new Dictionary<string, object>
        {
            ["iss"] = jwt.Issuer,
            ["aud"] = jwt.Audience,
            ["sub"] = "client_forged",
            ["org"] = organizationId,
            ["permissions"] = scopes,
            ["client_id"] = "client_forged",
            ["jti"] = "at_forged_" + Guid.NewGuid().ToString("N"),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.AddMinutes(10).ToUnixTimeSeconds(),
        };
        if (branchId is not null)
        {
            claims["branch"] = branchId;
        }

        return claims;
    }

    /// <summary>Signs with the API's current signing key (so only the claims can be wrong).</summary>
    public static async Task<string> SignWithCurrentKeyAsync(ApiFactory api, Dictionary<string, object> claims, string type = AccessTokenService.TokenType)
    {
        var key = await api.Services.GetRequiredService<SigningKeyCache>().GetSigningKeyAsync(CancellationToken.None);
        return Sign(claims, key.SigningKey!, type);
    }

    /// <summary>Signs with a fresh RSA key under the given kid: a key the API never published.</summary>
    public static string SignWithForeignKey(Dictionary<string, object> claims, string kid)
    {
        using var rsa = RSA.Create(2048);
        return Sign(claims, new RsaSecurityKey(rsa.ExportParameters(true)) { KeyId = kid }, AccessTokenService.TokenType);
    }

    /// <summary>{"alg":"none"} with an empty signature.</summary>
    public static string AlgNone(Dictionary<string, object> claims, string kid) =>
        Segment(new Dictionary<string, object> { ["alg"] = "none", ["typ"] = AccessTokenService.TokenType, ["kid"] = kid }) + "." + Segment(claims) + ".";

    /// <summary>HS256 with the given bytes as the secret (the classic confusion: the RSA public key used as an HMAC key).</summary>
    public static string Hmac(Dictionary<string, object> claims, string kid, byte[] secret)
    {
        var signingInput = Segment(new Dictionary<string, object> { ["alg"] = "HS256", ["typ"] = AccessTokenService.TokenType, ["kid"] = kid }) + "." + Segment(claims);
        var signature = HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64UrlEncoder.Encode(signature);
    }

    /// <summary>Replaces the payload of a signed token (keeping header and signature).</summary>
    public static string WithPayload(string token, Func<Dictionary<string, JsonElement>, Dictionary<string, JsonElement>> change)
    {
        var parts = token.Split('.');
        var payload = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Base64UrlEncoder.Decode(parts[1]))!;
        return parts[0] + "." + Base64UrlEncoder.Encode(JsonSerializer.Serialize(change(payload))) + "." + parts[2];
    }

    public static string HeaderKid(string token) => new JsonWebToken(token).Kid;

    public static JsonWebToken Read(string token) => new(token);

    private static string Sign(Dictionary<string, object> claims, SecurityKey key, string type)
    {
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        var payload = JsonSerializer.Serialize(claims);
        return handler.CreateToken(payload, new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
            new Dictionary<string, object> { ["typ"] = type });
    }

    private static string Segment(Dictionary<string, object> value) => Base64UrlEncoder.Encode(JsonSerializer.Serialize(value));
}
