using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using Smackdab.Inventory.Domain.Data;

namespace Smackdab.Inventory.Tests.Integration.Auth;

public sealed class RotationFixture : ClockedApiFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Jwt:KeyRotationHours"] = "1",
        ["Jwt:AccessTokenLifetimeSeconds"] = "3000",
        ["Jwt:KeyRotationCheckSeconds"] = "60",
    };
}

/// <summary>Signing keys rotate (on demand and by the background service); the previous key keeps verifying, older ones do not.</summary>
public sealed class SigningKeyRotationTests(RotationFixture fixture) : IClassFixture<RotationFixture>
{
    private ApiFactory Api => fixture.Api;

    private Tenant Tenant => fixture.Tenant;

    [Fact]
    public async Task Token_signed_with_the_previous_key_still_verifies_and_one_two_rotations_old_does_not()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var first = await OAuthFlows.ClientCredentialsAsync(Api, client);
        var firstKid = TokenForge.HeaderKid(first.AccessToken);

        var rotated = await RotateAsync();
        Assert.NotEqual(firstKid, rotated.GetProperty("current_kid").GetString());
        var keys = rotated.GetProperty("keys").EnumerateArray().ToList();
        Assert.Equal(["current", "previous"], keys.Select(k => k.GetProperty("status").GetString()).ToList());
        Assert.Equal(firstKid, keys[1].GetProperty("kid").GetString());

        await AssertAcceptedAsync(first.AccessToken);
        var second = await OAuthFlows.ClientCredentialsAsync(Api, client);
        Assert.Equal(rotated.GetProperty("current_kid").GetString(), TokenForge.HeaderKid(second.AccessToken));
        Assert.Equal([TokenForge.HeaderKid(second.AccessToken), firstKid], await PublishedKidsAsync());

        await RotateAsync();
        await AssertRefusedAsync(first.AccessToken, "kid");
        await AssertAcceptedAsync(second.AccessToken);
    }

    [Fact]
    public async Task Background_service_rotates_a_key_older_than_the_rotation_period_and_erases_its_private_half()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        await RotateAsync(); // a fresh key: its age is known
        fixture.Clock.Advance(TimeSpan.FromMinutes(20));
        var before = await OAuthFlows.ClientCredentialsAsync(Api, client); // valid for 50 minutes
        var oldKid = TokenForge.HeaderKid(before.AccessToken);
        var createdAt = await KeyCreatedAtAsync(oldKid);

        // Step the clock a minute at a time past the rotation period (1 h); the service checks every 60 s. Nothing here calls
        // the API meanwhile, so the rotation is the background service's.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await CurrentKidInDatabaseAsync() == oldKid)
        {
            Assert.True(DateTime.UtcNow < deadline, "The background service did not rotate the key");
            if (fixture.Clock.GetUtcNow().UtcDateTime - createdAt < TimeSpan.FromMinutes(62))
            {
                fixture.Clock.Advance(TimeSpan.FromMinutes(1));
            }

            await Task.Delay(25);
        }

        using (var scope = Api.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
            var old = await db.SigningKeys.AsNoTracking().SingleAsync(k => k.Id == oldKid);
            Assert.NotNull(old.RetiredAt);
            Assert.Null(old.PrivateKey);
            Assert.Equal(1, await db.SigningKeys.CountAsync(k => k.RetiredAt == null));
        }

        // The token from before the rotation (about 42 minutes old) verifies with the previous key; new tokens use the new key.
        await AssertAcceptedAsync(before.AccessToken);
        var after = await OAuthFlows.ClientCredentialsAsync(Api, client);
        Assert.NotEqual(oldKid, TokenForge.HeaderKid(after.AccessToken));
        Assert.Equal([TokenForge.HeaderKid(after.AccessToken), oldKid], await PublishedKidsAsync());
    }

    [Fact]
    public async Task Jwks_publishes_public_parameters_that_verify_issued_tokens()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var tokens = await OAuthFlows.ClientCredentialsAsync(Api, client);
        using var http = Api.CreateClient();
        using var response = await http.GetAsync("/.well-known/jwks.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var jwks = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["keys"]!.AsArray();
        Assert.InRange(jwks.Count, 1, 2);
        foreach (var key in jwks)
        {
            var names = key!.AsObject().Select(p => p.Key).Order().ToList();
            Assert.Equal(["alg", "e", "kid", "kty", "n", "use"], names);
            Assert.Equal("RS256", key["alg"]!.GetValue<string>());
        }

        // A third party verifies the token with nothing but the JWKS.
        var parts = tokens.AccessToken.Split('.');
        var jwk = jwks.Single(k => k!["kid"]!.GetValue<string>() == TokenForge.HeaderKid(tokens.AccessToken))!;
        using var rsa = RSA.Create(new RSAParameters
        {
            Modulus = Base64UrlEncoder.DecodeBytes(jwk["n"]!.GetValue<string>()),
            Exponent = Base64UrlEncoder.DecodeBytes(jwk["e"]!.GetValue<string>()),
        });
        Assert.True(rsa.VerifyData(
            System.Text.Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]),
            Base64UrlEncoder.DecodeBytes(parts[2]),
            HashAlgorithmName.SHA256,
            RSASignaturePadding.Pkcs1));

        using var metadata = await http.GetAsync("/.well-known/oauth-authorization-server");
        var meta = JsonNode.Parse(await metadata.Content.ReadAsStringAsync())!;
        Assert.EndsWith("/oauth/token", meta["token_endpoint"]!.GetValue<string>());
        Assert.Equal(["S256"], meta["code_challenge_methods_supported"]!.AsArray().Select(n => n!.GetValue<string>()).ToList());
    }

    [Fact]
    public async Task Only_the_platform_key_may_rotate()
    {
        using var admin = Tenant.Client(Api);
        using var response = await admin.PostAsync("/v1/signing-keys/rotate", null);
        await Envelopes.ErrorAsync(response, HttpStatusCode.Forbidden, "PERMISSION_DENIED");
    }

    private async Task<JsonElement> RotateAsync()
    {
        using var platform = Api.CreateClient();
        platform.DefaultRequestHeaders.Add("X-API-Key", Api.PlatformKey);
        using var response = await platform.PostAsync("/v1/signing-keys/rotate", null);
        return await Envelopes.SuccessAsync(response);
    }

    private async Task<List<string>> PublishedKidsAsync()
    {
        using var http = Api.CreateClient();
        var jwks = JsonNode.Parse(await http.GetStringAsync("/.well-known/jwks.json"))!;
        return jwks["keys"]!.AsArray().Select(k => k!["kid"]!.GetValue<string>()).ToList();
    }

    private async Task<string?> CurrentKidInDatabaseAsync()
    {
        using var scope = Api.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        return await db.SigningKeys.AsNoTracking().Where(k => k.RetiredAt == null).Select(k => k.Id).SingleOrDefaultAsync();
    }

    private async Task<DateTime> KeyCreatedAtAsync(string kid)
    {
        using var scope = Api.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        return await db.SigningKeys.AsNoTracking().Where(k => k.Id == kid).Select(k => k.CreatedAt).SingleAsync();
    }

    private async Task AssertAcceptedAsync(string token)
    {
        using var http = Tenant.BearerClient(Api, token);
        using var response = await http.GetAsync("/v1/products");
        await Envelopes.ListAsync(response);
    }

    private async Task AssertRefusedAsync(string token, string reasonFragment)
    {
        using var http = Tenant.BearerClient(Api, token);
        using var response = await http.GetAsync("/v1/products");
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
        Assert.Contains(reasonFragment, error.GetProperty("details").GetProperty("reason").GetString());
    }
}
