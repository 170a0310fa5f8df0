namespace Smackdab.Inventory.Tests.Integration.Auth;

public sealed class FailureLimitFixture : ClockedApiFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["AuthFailureLimit:PermitLimit"] = "5",
        ["AuthFailureLimit:WindowSeconds"] = "60",
    };
}

/// <summary>Failed authentication is limited per client IP and per key prefix; the limit lifts when the window ends.</summary>
public sealed class AuthFailureLimitTests(FailureLimitFixture fixture) : IClassFixture<FailureLimitFixture>
{
    private ApiFactory Api => fixture.Api;

    private Tenant Tenant => fixture.Tenant;

    [Fact]
    public async Task Repeated_bad_api_keys_are_answered_429_with_retry_after_until_the_window_ends()
    {
        StartNewWindow();
        for (var i = 0; i < 5; i++)
        {
            using var bad = Tenant.Client(Api, $"sk_live_guess{i:D2}000000000000000000000000");
            using var refused = await bad.GetAsync("/v1/products");
            await Envelopes.ErrorAsync(refused, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
        }

        using var sixth = Tenant.Client(Api, "sk_live_guess99000000000000000000000000");
        using var limited = await sixth.GetAsync("/v1/products");
        var error = await Envelopes.ErrorAsync(limited, HttpStatusCode.TooManyRequests, "RATE_LIMIT_EXCEEDED");
        Assert.Equal(60, int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(5, error.GetProperty("details").GetProperty("limit").GetInt32());

        // The limit is per IP: even the right key from this address waits (it is not even checked).
        using var good = Tenant.Client(Api);
        using var alsoLimited = await good.GetAsync("/v1/products");
        await Envelopes.ErrorAsync(alsoLimited, HttpStatusCode.TooManyRequests, "RATE_LIMIT_EXCEEDED");

        fixture.Clock.Advance(TimeSpan.FromSeconds(30));
        using var stillLimited = await good.GetAsync("/v1/products");
        await Envelopes.ErrorAsync(stillLimited, HttpStatusCode.TooManyRequests, "RATE_LIMIT_EXCEEDED");
        Assert.Equal("30", stillLimited.Headers.GetValues("Retry-After").Single());

        fixture.Clock.Advance(TimeSpan.FromSeconds(31));
        using var allowed = await good.GetAsync("/v1/products");
        await Envelopes.ListAsync(allowed);
    }

    [Fact]
    public async Task Bad_bearer_tokens_count_too()
    {
        StartNewWindow();
        for (var i = 0; i < 5; i++)
        {
            using var bad = Tenant.BearerClient(Api, "not.a.token" + i);
            using var refused = await bad.GetAsync("/v1/products");
            await Envelopes.ErrorAsync(refused, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
        }

        using var sixth = Tenant.BearerClient(Api, "not.a.token");
        using var limited = await sixth.GetAsync("/v1/products");
        await Envelopes.ErrorAsync(limited, HttpStatusCode.TooManyRequests, "RATE_LIMIT_EXCEEDED");
        Assert.True(limited.Headers.Contains("Retry-After"));
    }

    [Fact]
    public async Task Requests_without_credentials_and_good_credentials_do_not_count()
    {
        StartNewWindow();
        using var anonymous = Api.CreateClient();
        for (var i = 0; i < 8; i++)
        {
            using var refused = await anonymous.GetAsync("/v1/products");
            await Envelopes.ErrorAsync(refused, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
        }

        using var good = Tenant.Client(Api);
        for (var i = 0; i < 8; i++)
        {
            using var ok = await good.GetAsync("/v1/products");
            await Envelopes.ListAsync(ok);
        }
    }

    [Fact]
    public async Task Repeated_bad_client_secrets_are_limited_at_the_token_endpoint()
    {
        StartNewWindow();
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials" };
        for (var i = 0; i < 5; i++)
        {
            using var refused = await OAuthFlows.PostFormAsync(Api, "/oauth/token", form, client with { Secret = "cs_live_wrong" + i });
            await OAuthFlows.ReadOAuthErrorAsync(refused, HttpStatusCode.Unauthorized, "invalid_client");
        }

        using var limited = await OAuthFlows.PostFormAsync(Api, "/oauth/token", form, client);
        await OAuthFlows.ReadOAuthErrorAsync(limited, HttpStatusCode.TooManyRequests, "rate_limit_exceeded");
        Assert.True(limited.Headers.Contains("Retry-After"));

        fixture.Clock.Advance(TimeSpan.FromSeconds(61));
        using var allowed = await OAuthFlows.PostFormAsync(Api, "/oauth/token", form, client);
        await OAuthFlows.ReadTokensAsync(allowed);
    }

    [Fact]
    public async Task Repeated_bad_admin_keys_on_the_consent_page_are_limited()
    {
        StartNewWindow();
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var challenge = OAuthFlows.ChallengeFor(OAuthFlows.NewCodeVerifier());
        using var http = OAuthFlows.NoRedirectClient(Api);
        HttpStatusCode Status(HttpResponseMessage r) => r.StatusCode;
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["response_type"] = "code", ["client_id"] = client.ClientId, ["code_challenge"] = challenge,
                ["code_challenge_method"] = "S256", ["decision"] = "approve", ["api_key"] = $"sk_live_nope{i:D2}00000000000000000000000",
            });
            using var response = await http.PostAsync("/oauth/authorize", form);
            statuses.Add(Status(response));
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 5).Append(HttpStatusCode.TooManyRequests), statuses);
    }

    private void StartNewWindow() => fixture.Clock.Advance(TimeSpan.FromMinutes(2));
}
