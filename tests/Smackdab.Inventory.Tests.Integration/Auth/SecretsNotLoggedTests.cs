using Microsoft.Extensions.DependencyInjection;

namespace Smackdab.Inventory.Tests.Integration.Auth;

public sealed class VerboseLogFixture : ClockedApiFixture
{
    public CapturedLog Log { get; } = new();

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Serilog:MinimumLevel:Default"] = "Verbose",
    };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<Serilog.Core.ILogEventSink>(Log);
}

/// <summary>A whole run of authentication calls, good and bad, at the most verbose log level: no secret reaches the log.</summary>
public sealed class SecretsNotLoggedTests(VerboseLogFixture fixture) : IClassFixture<VerboseLogFixture>
{
    [Fact]
    public async Task Keys_client_secrets_tokens_codes_and_verifiers_never_appear_in_the_log()
    {
        var api = fixture.Api;
        var tenant = fixture.Tenant;
        var secrets = new List<string> { api.PlatformKey, tenant.AdminKey };

        // API keys: created, used, used wrongly.
        var key = await tenant.CreateKeyAsync(api, ["inventory.products.read"]);
        secrets.Add(key);
        using (var client = tenant.Client(api, key))
        using (var ok = await client.GetAsync("/v1/products"))
        {
            await Envelopes.ListAsync(ok);
        }

        var wrongKey = key[..^4] + "zzzz";
        secrets.Add(wrongKey);
        using (var client = tenant.Client(api, wrongKey))
        using (var refused = await client.GetAsync("/v1/products"))
        {
            await Envelopes.ErrorAsync(refused, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
        }

        // OAuth: client registration, every grant, refresh reuse, revocation, introspection, failures.
        var oauthClient = await tenant.CreateOAuthClientAsync(api, ["inventory.products.read"]);
        secrets.Add(oauthClient.Secret);
        var cc = await OAuthFlows.ClientCredentialsAsync(api, oauthClient);
        secrets.Add(cc.AccessToken);

        var verifier = OAuthFlows.NewCodeVerifier();
        var redirect = await OAuthFlows.AuthorizeAsync(api, oauthClient, tenant.AdminKey, OAuthFlows.ChallengeFor(verifier));
        secrets.Add(redirect["code"]);
        secrets.Add(verifier);
        var codeForm = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = redirect["code"], ["redirect_uri"] = oauthClient.RedirectUris[0], ["code_verifier"] = verifier,
        };
        using (var exchange = await OAuthFlows.PostFormAsync(api, "/oauth/token", codeForm, oauthClient))
        {
            var tokens = await OAuthFlows.ReadTokensAsync(exchange);
            secrets.Add(tokens.AccessToken);
            secrets.Add(tokens.RefreshToken!);

            using (var reusedCode = await OAuthFlows.PostFormAsync(api, "/oauth/token", codeForm, oauthClient))
            {
                await OAuthFlows.ReadOAuthErrorAsync(reusedCode, HttpStatusCode.BadRequest, "invalid_grant");
            }

            var second = await OAuthFlows.AuthorizationCodeFlowAsync(api, oauthClient, tenant.AdminKey);
            secrets.Add(second.AccessToken);
            secrets.Add(second.RefreshToken!);
            var refreshForm = new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = second.RefreshToken! };
            using (var refreshed = await OAuthFlows.PostFormAsync(api, "/oauth/token", refreshForm, oauthClient))
            {
                var third = await OAuthFlows.ReadTokensAsync(refreshed);
                secrets.Add(third.AccessToken);
                secrets.Add(third.RefreshToken!);
                using var introspect = await OAuthFlows.PostFormAsync(api, "/oauth/introspect", new Dictionary<string, string> { ["token"] = third.AccessToken }, oauthClient);
                Assert.Equal(HttpStatusCode.OK, introspect.StatusCode);
            }

            using (var reused = await OAuthFlows.PostFormAsync(api, "/oauth/token", refreshForm, oauthClient))
            {
                await OAuthFlows.ReadOAuthErrorAsync(reused, HttpStatusCode.BadRequest, "invalid_grant");
            }

            using var revoke = await OAuthFlows.PostFormAsync(api, "/oauth/revoke", new Dictionary<string, string> { ["token"] = tokens.AccessToken }, oauthClient);
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
            using var bearer = tenant.BearerClient(api, tokens.AccessToken);
            using var revoked = await bearer.GetAsync("/v1/products");
            await Envelopes.ErrorAsync(revoked, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
        }

        using (var wrongSecret = await OAuthFlows.PostFormAsync(api, "/oauth/token",
            new Dictionary<string, string> { ["grant_type"] = "client_credentials" }, oauthClient with { Secret = oauthClient.Secret + "x" }))
        {
            secrets.Add(oauthClient.Secret + "x");
            await OAuthFlows.ReadOAuthErrorAsync(wrongSecret, HttpStatusCode.Unauthorized, "invalid_client");
        }

        // An integrator who swaps the two fields sends the secret as client_id.
        using (var swapped = await OAuthFlows.PostFormAsync(api, "/oauth/token",
            new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = oauthClient.Secret, ["client_secret"] = oauthClient.ClientId }))
        {
            await OAuthFlows.ReadOAuthErrorAsync(swapped, HttpStatusCode.Unauthorized, "invalid_client");
        }

        var tampered = TokenForge.WithPayload(cc.AccessToken, p => { p["org"] = JsonSerializer.SerializeToElement("org_other"); return p; });
        secrets.Add(tampered);
        using (var bearer = tenant.BearerClient(api, tampered))
        using (var refused = await bearer.GetAsync("/v1/products"))
        {
            await Envelopes.ErrorAsync(refused, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
        }

        var badConsentKey = "sk_live_typo" + new string('q', 28);
        secrets.Add(badConsentKey);
        using (var http = OAuthFlows.NoRedirectClient(api))
        using (var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["response_type"] = "code", ["client_id"] = oauthClient.ClientId, ["code_challenge"] = OAuthFlows.ChallengeFor(verifier),
            ["code_challenge_method"] = "S256", ["decision"] = "approve", ["api_key"] = badConsentKey,
        }))
        using (var consent = await http.PostAsync("/oauth/authorize", form))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, consent.StatusCode);
        }

        // The request log line of the last call is written as its response completes.
        Assert.NotNull(await fixture.Log.WaitForLineAsync("POST", "/oauth/authorize", "responded 401"));
        var log = fixture.Log.Text;
        Assert.Contains("Issued access token", log);
        Assert.Contains("Rejected bearer token", log);
        foreach (var secret in secrets)
        {
            Assert.False(log.Contains(secret, StringComparison.Ordinal), $"A secret starting {secret[..Math.Min(8, secret.Length)]} is in the log");
        }

        // Nor any JWT signature on its own, nor the private part of a refresh token or code.
        foreach (var jwt in secrets.Where(s => s.Count(c => c == '.') == 2))
        {
            Assert.DoesNotContain(jwt.Split('.')[2], log);
        }

        foreach (var opaque in secrets.Where(s => s.StartsWith("rt_", StringComparison.Ordinal) || s.StartsWith("ac_", StringComparison.Ordinal)))
        {
            Assert.DoesNotContain(opaque[3..], log);
        }
    }
}
