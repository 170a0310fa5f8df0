using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using Smackdab.Inventory.Api.Auth;
using Smackdab.Inventory.Domain.Data;

namespace Smackdab.Inventory.Tests.Integration.Auth;

public sealed class TokenHardeningFixture : ClockedApiFixture;

/// <summary>Issue 8 rows 9 and 12: metadata from the configured issuer; token lifetime and key retirement enforced; keys encrypted at rest.</summary>
public sealed class TokenHardeningTests(TokenHardeningFixture fixture) : IClassFixture<TokenHardeningFixture>
{
    private ApiFactory Api => fixture.Api;

    private Tenant Tenant => fixture.Tenant;

    [Fact]
    public async Task Metadata_urls_come_from_the_configured_issuer_never_from_the_Host_header()
    {
        using var http = Api.CreateClient();
        using var response = await http.GetAsync("http://evil.example/.well-known/oauth-authorization-server");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("evil.example", text, StringComparison.OrdinalIgnoreCase);
        var meta = JsonNode.Parse(text)!;
        Assert.Equal("https://api.inventory.smackdab.com", meta["issuer"]!.GetValue<string>());
        Assert.Equal("https://api.inventory.smackdab.com/oauth/token", meta["token_endpoint"]!.GetValue<string>());
        Assert.Equal("https://api.inventory.smackdab.com/.well-known/jwks.json", meta["jwks_uri"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_token_living_longer_than_the_configured_lifetime_is_refused_even_with_a_valid_signature()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var now = fixture.Clock.GetUtcNow();
        var claims = Claims(client.ClientId, now);
        claims["exp"] = now.AddSeconds(3600 + 30 + 60).ToUnixTimeSeconds(); // lifetime 3600 s, skew 30 s
        await AssertRefusedAsync(await TokenForge.SignWithCurrentKeyAsync(Api, claims), "lifetime");

        var withoutIat = Claims(client.ClientId, now);
        withoutIat.Remove("iat");
        await AssertRefusedAsync(await TokenForge.SignWithCurrentKeyAsync(Api, withoutIat), "iat");

        // The control: the same token within the lifetime is accepted.
        await AssertAcceptedAsync(await TokenForge.SignWithCurrentKeyAsync(Api, Claims(client.ClientId, now)));
    }

    [Fact]
    public async Task A_token_signed_with_a_key_after_its_retirement_is_refused()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        // The private half of the current key, as someone who obtained it would hold it.
        var stolen = (await Api.Services.GetRequiredService<SigningKeyCache>().GetSigningKeyAsync(CancellationToken.None)).SigningKey!;
        var before = await TokenForge.SignWithCurrentKeyAsync(Api, Claims(client.ClientId, fixture.Clock.GetUtcNow()));

        using (var platform = Api.CreateClient())
        {
            platform.DefaultRequestHeaders.Add("X-API-Key", Api.PlatformKey);
            using var rotated = await platform.PostAsync("/v1/signing-keys/rotate", null);
            await Envelopes.SuccessAsync(rotated);
        }

        fixture.Clock.Advance(TimeSpan.FromMinutes(2));
        // Signed by the retired key before its retirement: still good until it expires.
        await AssertAcceptedAsync(before);
        // Signed by it afterwards: refused, although the key is still published for the tokens above.
        var after = SignWith(stolen, Claims(client.ClientId, fixture.Clock.GetUtcNow()));
        await AssertRefusedAsync(after, "retired");
    }

    [Fact]
    public async Task Private_signing_keys_are_encrypted_at_rest_and_still_sign()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var tokens = await OAuthFlows.ClientCredentialsAsync(Api, client);
        await AssertAcceptedAsync(tokens.AccessToken);

        using var scope = Api.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        var current = await db.SigningKeys.AsNoTracking().Where(k => k.RetiredAt == null).SingleAsync();
        Assert.NotNull(current.PrivateKey);
        using var rsa = RSA.Create();
        Assert.ThrowsAny<CryptographicException>(() => rsa.ImportPkcs8PrivateKey(current.PrivateKey, out _));
        Assert.Equal("SKE1"u8.ToArray(), current.PrivateKey[..4]);
    }

    private Dictionary<string, object> Claims(string clientId, DateTimeOffset now)
    {
        var claims = TokenForge.Claims(Api, Tenant.OrganizationId, ["inventory.products.read"], now);
        claims["client_id"] = clientId;
        claims["sub"] = clientId;
        return claims;
    }

    private static string SignWith(RsaSecurityKey key, Dictionary<string, object> claims) =>
        new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            TokenType = AccessTokenService.TokenType,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });

    private async Task AssertAcceptedAsync(string token)
    {
        using var http = Tenant.BearerClient(Api, token);
        using var response = await http.GetAsync("/v1/products");
        await Envelopes.ListAsync(response);
    }

    private async Task AssertRefusedAsync(string token, string reasonFragment)
    {
        using var http = Api.CreateClient();
        http.DefaultRequestHeaders.Add("X-Organization-ID", Tenant.OrganizationId);
        http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + token);
        using var response = await http.GetAsync("/v1/products");
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
        Assert.Contains(reasonFragment, error.GetProperty("details").GetProperty("reason").GetString()!, StringComparison.OrdinalIgnoreCase);
    }
}
