using System.Text.Json.Nodes;

namespace Smackdab.Inventory.Tests.Integration.Auth;

public sealed class JwtBearerFixture : ClockedApiFixture;

/// <summary>Bearer tokens the API must refuse: each is a 401 envelope with a Bearer invalid_token challenge and a reason.</summary>
public sealed class JwtBearerTests(JwtBearerFixture fixture) : IClassFixture<JwtBearerFixture>
{
    private ApiFactory Api => fixture.Api;

    private Tenant Tenant => fixture.Tenant;

    [Fact]
    public async Task Token_expires_after_its_lifetime_plus_the_clock_skew()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var tokens = await OAuthFlows.ClientCredentialsAsync(Api, client);

        fixture.Clock.Advance(TimeSpan.FromSeconds(3600 + 29));
        await AssertAcceptedAsync(tokens.AccessToken);

        fixture.Clock.Advance(TimeSpan.FromSeconds(2));
        await AssertRefusedAsync(tokens.AccessToken, "expired");
    }

    [Fact]
    public async Task Correctly_forged_token_of_a_real_client_is_accepted_which_proves_the_refusals_below_are_for_their_reason()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var claims = Claims(client.ClientId);
        await AssertAcceptedAsync(await TokenForge.SignWithCurrentKeyAsync(Api, claims));
    }

    [Fact]
    public async Task Wrong_audience_is_refused()
    {
        var claims = Claims();
        claims["aud"] = "some-other-api";
        await AssertRefusedAsync(await TokenForge.SignWithCurrentKeyAsync(Api, claims), "audience");
    }

    [Fact]
    public async Task Wrong_issuer_is_refused()
    {
        var claims = Claims();
        claims["iss"] = "https://evil.example.com";
        await AssertRefusedAsync(await TokenForge.SignWithCurrentKeyAsync(Api, claims), "issued by this API");
    }

    [Fact]
    public async Task Alg_none_is_refused()
    {
        var kid = await CurrentKidAsync();
        await AssertRefusedAsync(TokenForge.AlgNone(Claims(), kid), "alg");
    }

    [Fact]
    public async Task Hs256_signed_with_the_public_key_is_refused()
    {
        var kid = await CurrentKidAsync();
        var publicKey = System.Text.Encoding.UTF8.GetBytes(await JwksTextAsync());
        await AssertRefusedAsync(TokenForge.Hmac(Claims(), kid, publicKey), "alg");
    }

    [Fact]
    public async Task Tampered_payload_is_refused()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var tokens = await OAuthFlows.ClientCredentialsAsync(Api, client);
        var escalated = TokenForge.WithPayload(tokens.AccessToken, payload =>
        {
            payload["permissions"] = JsonSerializer.SerializeToElement(new[] { "inventory.admin" });
            return payload;
        });
        await AssertRefusedAsync(escalated, "signature");
    }

    [Fact]
    public async Task Tampered_signature_is_refused()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var tokens = await OAuthFlows.ClientCredentialsAsync(Api, client);
        var parts = tokens.AccessToken.Split('.');
        var signature = parts[2].ToCharArray();
        signature[10] = signature[10] == 'A' ? 'B' : 'A';
        await AssertRefusedAsync($"{parts[0]}.{parts[1]}.{new string(signature)}", "signature");
    }

    [Fact]
    public async Task Unknown_kid_is_refused()
    {
        await AssertRefusedAsync(TokenForge.SignWithForeignKey(Claims(), "rsa_20990101_unknownkid00"), "kid");
        await AssertRefusedAsync(TokenForge.SignWithForeignKey(Claims(), await CurrentKidAsync()), "signature");
    }

    [Fact]
    public async Task Wrong_type_missing_claims_future_nbf_and_garbage_are_refused()
    {
        await AssertRefusedAsync(await TokenForge.SignWithCurrentKeyAsync(Api, Claims(), type: "JWT"), "typ");

        var noOrg = Claims();
        noOrg.Remove("org");
        await AssertRefusedAsync(await TokenForge.SignWithCurrentKeyAsync(Api, noOrg), "org");

        var noExp = Claims();
        noExp.Remove("exp");
        await AssertRefusedAsync(await TokenForge.SignWithCurrentKeyAsync(Api, noExp), "exp");

        var future = Claims();
        future["nbf"] = fixture.Clock.GetUtcNow().AddMinutes(5).ToUnixTimeSeconds();
        await AssertRefusedAsync(await TokenForge.SignWithCurrentKeyAsync(Api, future), "not valid yet");

        await AssertRefusedAsync("not-a-jwt", "well-formed");
        await AssertRefusedAsync("a.b.c", "well-formed");
    }

    [Fact]
    public async Task Revoked_client_tokens_are_refused_at_once()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var tokens = await OAuthFlows.ClientCredentialsAsync(Api, client);
        await AssertAcceptedAsync(tokens.AccessToken);

        using var admin = Tenant.Client(Api);
        using var revoke = await admin.DeleteAsync($"/v1/oauth/clients/{client.ClientId}");
        await Envelopes.SuccessAsync(revoke);
        await AssertRefusedAsync(tokens.AccessToken, "revoked");
    }

    [Fact]
    public async Task Authorization_code_expires_after_60_seconds()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var verifier = OAuthFlows.NewCodeVerifier();
        var late = await OAuthFlows.AuthorizeAsync(Api, client, Tenant.AdminKey, OAuthFlows.ChallengeFor(verifier));
        fixture.Clock.Advance(TimeSpan.FromSeconds(61));
        using var expired = await Exchange(client, late["code"], verifier);
        Assert.Contains("expired", await OAuthFlows.ReadOAuthErrorAsync(expired, HttpStatusCode.BadRequest, "invalid_grant"));

        var inTime = await OAuthFlows.AuthorizeAsync(Api, client, Tenant.AdminKey, OAuthFlows.ChallengeFor(verifier));
        fixture.Clock.Advance(TimeSpan.FromSeconds(59));
        using var ok = await Exchange(client, inTime["code"], verifier);
        await OAuthFlows.ReadTokensAsync(ok);
    }

    [Fact]
    public async Task Refresh_token_expires_after_its_lifetime()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var tokens = await OAuthFlows.AuthorizationCodeFlowAsync(Api, client, Tenant.AdminKey);
        fixture.Clock.Advance(TimeSpan.FromDays(30).Add(TimeSpan.FromSeconds(1)));
        using var response = await OAuthFlows.PostFormAsync(Api, "/oauth/token",
            new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = tokens.RefreshToken! }, client);
        Assert.Contains("expired", await OAuthFlows.ReadOAuthErrorAsync(response, HttpStatusCode.BadRequest, "invalid_grant"));
    }

    [Fact]
    public async Task Missing_credentials_get_both_challenges()
    {
        using var http = Api.CreateClient();
        http.DefaultRequestHeaders.Add("X-Organization-ID", Tenant.OrganizationId);
        using var response = await http.GetAsync("/v1/products");
        await Envelopes.ErrorAsync(response, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
        var challenges = response.Headers.WwwAuthenticate.Select(h => h.Scheme).ToList();
        Assert.Contains("ApiKey", challenges);
        Assert.Contains("Bearer", challenges);
    }

    private Task<HttpResponseMessage> Exchange(OAuthClientCredentials client, string code, string verifier) =>
        OAuthFlows.PostFormAsync(Api, "/oauth/token", new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = client.RedirectUris[0],
            ["code_verifier"] = verifier,
        }, client);

    private Dictionary<string, object> Claims(string clientId = "client_forged")
    {
        var claims = TokenForge.Claims(Api, Tenant.OrganizationId, ["inventory.products.read"], fixture.Clock.GetUtcNow());
        claims["client_id"] = clientId;
        claims["sub"] = clientId;
        return claims;
    }

    private async Task<string> JwksTextAsync()
    {
        using var http = Api.CreateClient();
        return await http.GetStringAsync("/.well-known/jwks.json");
    }

    private async Task<string> CurrentKidAsync() =>
        JsonNode.Parse(await JwksTextAsync())!["keys"]![0]!["kid"]!.GetValue<string>();

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
        var reason = error.GetProperty("details").GetProperty("reason").GetString()!;
        Assert.Contains(reasonFragment, reason, StringComparison.OrdinalIgnoreCase);

        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("error=\"invalid_token\"", challenge.Parameter);
        Assert.Contains($"error_description=\"{reason}\"", challenge.Parameter);
        Assert.DoesNotContain(token, error.ToString());
    }
}
