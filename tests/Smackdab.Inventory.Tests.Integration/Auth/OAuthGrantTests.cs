using Smackdab.Inventory.Api.Auth;

namespace Smackdab.Inventory.Tests.Integration.Auth;

/// <summary>The OAuth 2.0 grants over real HTTP: client credentials, authorization code with PKCE, rotating refresh tokens.</summary>
public sealed class OAuthGrantTests(TenantFixture fixture) : IClassFixture<TenantFixture>
{
    private ApiFactory Api => fixture.Api;

    private Tenant Tenant => fixture.Tenant;

    [Fact]
    public async Task Client_credentials_token_has_the_spec_shape_and_calls_the_api_as_the_clients_organization()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read", "inventory.products.write"]);
        var tokens = await OAuthFlows.ClientCredentialsAsync(Api, client);

        Assert.Equal("Bearer", tokens.TokenType);
        Assert.Equal(3600, tokens.ExpiresIn);
        Assert.Null(tokens.RefreshToken);
        Assert.Equal("inventory.products.read inventory.products.write", tokens.Scope);

        var jwt = TokenForge.Read(tokens.AccessToken);
        Assert.Equal("RS256", jwt.Alg);
        Assert.Equal(AccessTokenService.TokenType, jwt.Typ);
        Assert.False(string.IsNullOrEmpty(jwt.Kid));
        Assert.Equal(client.ClientId, jwt.Subject);
        Assert.Equal(Tenant.OrganizationId, jwt.GetPayloadValue<string>("org"));
        Assert.Equal(["inventory.products.read", "inventory.products.write"], jwt.Claims.Where(c => c.Type == "permissions").Select(c => c.Value).ToList());
        Assert.False(string.IsNullOrEmpty(jwt.Id));
        Assert.Equal(3600, (jwt.ValidTo - jwt.IssuedAt).TotalSeconds);

        using var api = Tenant.BearerClient(Api, tokens.AccessToken);
        using var created = await api.PostAsJsonAsync("/v1/products", new { sku = "OAUTH-CC-1", name = "Via token" });
        await Envelopes.SuccessAsync(created, HttpStatusCode.Created);
        using var list = await api.GetAsync("/v1/products?q=OAUTH-CC-1");
        Assert.Equal(1, (await Envelopes.ListAsync(list)).Items.GetArrayLength());
    }

    [Fact]
    public async Task Client_secret_post_works_like_http_basic()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        using var response = await OAuthFlows.PostFormAsync(Api, "/oauth/token", new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = client.ClientId,
            ["client_secret"] = client.Secret,
        });
        var tokens = await OAuthFlows.ReadTokensAsync(response);
        Assert.Equal("inventory.products.read", tokens.Scope);
    }

    [Fact]
    public async Task Requested_scope_narrows_the_grant_and_never_exceeds_the_clients_scopes()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read", "inventory.products.write"]);
        var narrow = await OAuthFlows.ClientCredentialsAsync(Api, client, "inventory.products.read");
        Assert.Equal("inventory.products.read", narrow.Scope);
        using (var api = Tenant.BearerClient(Api, narrow.AccessToken))
        using (var write = await api.PostAsJsonAsync("/v1/products", new { sku = "NARROW-1", name = "Nope" }))
        {
            var error = await Envelopes.ErrorAsync(write, HttpStatusCode.Forbidden, "PERMISSION_DENIED");
            Assert.Contains("inventory.products.write", error.GetProperty("message").GetString());
            Assert.Contains("insufficient_scope", write.Headers.WwwAuthenticate.ToString());
        }

        using var beyond = await OAuthFlows.PostFormAsync(Api, "/oauth/token",
            new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "inventory.products.read inventory.admin" }, client);
        Assert.Contains("inventory.admin", await OAuthFlows.ReadOAuthErrorAsync(beyond, HttpStatusCode.BadRequest, "invalid_scope"));

        using var unknown = await OAuthFlows.PostFormAsync(Api, "/oauth/token",
            new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "inventory.everything" }, client);
        await OAuthFlows.ReadOAuthErrorAsync(unknown, HttpStatusCode.BadRequest, "invalid_scope");
    }

    [Fact]
    public async Task Wrong_or_missing_client_credentials_are_invalid_client_with_a_basic_challenge()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        using var wrong = await OAuthFlows.PostFormAsync(Api, "/oauth/token",
            new Dictionary<string, string> { ["grant_type"] = "client_credentials" }, client with { Secret = client.Secret + "x" });
        await OAuthFlows.ReadOAuthErrorAsync(wrong, HttpStatusCode.Unauthorized, "invalid_client");
        Assert.StartsWith("Basic", wrong.Headers.WwwAuthenticate.ToString());
        Assert.Equal("no-store", wrong.Headers.CacheControl?.ToString());

        using var unknown = await OAuthFlows.PostFormAsync(Api, "/oauth/token",
            new Dictionary<string, string> { ["grant_type"] = "client_credentials" }, client with { ClientId = "client_doesnotexist000000" });
        await OAuthFlows.ReadOAuthErrorAsync(unknown, HttpStatusCode.Unauthorized, "invalid_client");

        using var none = await OAuthFlows.PostFormAsync(Api, "/oauth/token", new Dictionary<string, string> { ["grant_type"] = "client_credentials" });
        await OAuthFlows.ReadOAuthErrorAsync(none, HttpStatusCode.Unauthorized, "invalid_client");

        using var both = await OAuthFlows.PostFormAsync(Api, "/oauth/token",
            new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_secret"] = client.Secret }, client);
        await OAuthFlows.ReadOAuthErrorAsync(both, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Theory]
    [InlineData(null, "invalid_request")]
    [InlineData("password", "unsupported_grant_type")]
    [InlineData("implicit", "unsupported_grant_type")]
    public async Task Missing_or_unsupported_grant_type_is_refused(string? grantType, string error)
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var form = new Dictionary<string, string>();
        if (grantType is not null)
        {
            form["grant_type"] = grantType;
        }

        using var response = await OAuthFlows.PostFormAsync(Api, "/oauth/token", form, client);
        await OAuthFlows.ReadOAuthErrorAsync(response, HttpStatusCode.BadRequest, error);
    }

    [Fact]
    public async Task Token_request_must_be_a_form_without_repeated_parameters()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        using var http = Api.CreateClient();
        using var json = await http.PostAsJsonAsync("/oauth/token", new { grant_type = "client_credentials", client_id = client.ClientId, client_secret = client.Secret });
        await OAuthFlows.ReadOAuthErrorAsync(json, HttpStatusCode.BadRequest, "invalid_request");

        using var repeated = new FormUrlEncodedContent(
        [
            new("grant_type", "client_credentials"), new("grant_type", "client_credentials"),
            new("client_id", client.ClientId), new("client_secret", client.Secret),
        ]);
        using var twice = await http.PostAsync("/oauth/token", repeated);
        Assert.Contains("grant_type", await OAuthFlows.ReadOAuthErrorAsync(twice, HttpStatusCode.BadRequest, "invalid_request"));
    }

    [Fact]
    public async Task Authorization_code_flow_with_pkce_issues_tokens_for_the_consenting_admin_key()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read", "inventory.products.write"]);
        var verifier = OAuthFlows.NewCodeVerifier();
        var redirect = await OAuthFlows.AuthorizeAsync(Api, client, Tenant.AdminKey, OAuthFlows.ChallengeFor(verifier), "inventory.products.read", state: "st-42");
        Assert.Equal("st-42", redirect["state"]);
        Assert.StartsWith("ac_", redirect["code"]);
        Assert.True(redirect.ContainsKey("iss"));

        using var response = await OAuthFlows.PostFormAsync(Api, "/oauth/token", new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = redirect["code"],
            ["redirect_uri"] = client.RedirectUris[0],
            ["code_verifier"] = verifier,
        }, client);
        var tokens = await OAuthFlows.ReadTokensAsync(response);
        Assert.Equal("inventory.products.read", tokens.Scope);
        Assert.StartsWith("rt_", tokens.RefreshToken);

        var jwt = TokenForge.Read(tokens.AccessToken);
        Assert.StartsWith("key_", jwt.Subject);
        Assert.Equal(client.ClientId, jwt.GetPayloadValue<string>("client_id"));
        Assert.Equal(Tenant.OrganizationId, jwt.GetPayloadValue<string>("org"));

        using var api = Tenant.BearerClient(Api, tokens.AccessToken);
        using var list = await api.GetAsync("/v1/products");
        await Envelopes.ListAsync(list);
    }

    [Fact]
    public async Task Wrong_code_verifier_fails_and_kills_the_code()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var verifier = OAuthFlows.NewCodeVerifier();
        var redirect = await OAuthFlows.AuthorizeAsync(Api, client, Tenant.AdminKey, OAuthFlows.ChallengeFor(verifier));

        using var wrong = await Exchange(client, redirect["code"], OAuthFlows.NewCodeVerifier());
        Assert.Contains("PKCE", await OAuthFlows.ReadOAuthErrorAsync(wrong, HttpStatusCode.BadRequest, "invalid_grant"));

        using var missing = await Exchange(client, redirect["code"], null);
        Assert.Contains("code_verifier", await OAuthFlows.ReadOAuthErrorAsync(missing, HttpStatusCode.BadRequest, "invalid_request"));

        // The right verifier comes too late: a failed attempt consumed the code.
        using var right = await Exchange(client, redirect["code"], verifier);
        await OAuthFlows.ReadOAuthErrorAsync(right, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Theory]
    [InlineData(null, null, "code_challenge is required")]
    [InlineData("plain", "VALID", "S256")]
    [InlineData(null, "VALID", "S256")]
    [InlineData("S256", "too-short", "code_challenge must be")]
    public async Task Authorization_request_without_s256_pkce_is_an_error_page_not_a_redirect(string? method, string? challenge, string description)
    {
        // RFC 9700 §4.11.2: redirecting an invalid request, before any user interaction, makes the server an open redirector.
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var query = $"response_type=code&client_id={client.ClientId}&redirect_uri={Uri.EscapeDataString(client.RedirectUris[0])}&state=s1";
        if (challenge is not null)
        {
            query += "&code_challenge=" + (challenge == "VALID" ? OAuthFlows.ChallengeFor(OAuthFlows.NewCodeVerifier()) : challenge);
        }

        if (method is not null)
        {
            query += "&code_challenge_method=" + method;
        }

        using var http = OAuthFlows.NoRedirectClient(Api);
        using var response = await http.GetAsync("/oauth/authorize?" + query);
        await AssertErrorPageAsync(response, "invalid_request", description);
    }

    private static async Task AssertErrorPageAsync(HttpResponseMessage response, string error, string description)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains(error, page);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(description), page);
    }

    [Fact]
    public async Task Unknown_client_or_unregistered_redirect_uri_is_an_error_page_never_a_redirect()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var challenge = OAuthFlows.ChallengeFor(OAuthFlows.NewCodeVerifier());
        using var http = OAuthFlows.NoRedirectClient(Api);

        using var foreignRedirect = await http.GetAsync(
            $"/oauth/authorize?response_type=code&client_id={client.ClientId}&redirect_uri={Uri.EscapeDataString("https://evil.example.com/cb")}&code_challenge={challenge}&code_challenge_method=S256");
        Assert.Equal(HttpStatusCode.BadRequest, foreignRedirect.StatusCode);
        Assert.Null(foreignRedirect.Headers.Location);
        Assert.Contains("redirect_uri", await foreignRedirect.Content.ReadAsStringAsync());

        using var unknownClient = await http.GetAsync($"/oauth/authorize?response_type=code&client_id=client_nope&code_challenge={challenge}&code_challenge_method=S256");
        Assert.Equal(HttpStatusCode.BadRequest, unknownClient.StatusCode);
        Assert.Null(unknownClient.Headers.Location);
    }

    [Fact]
    public async Task Consent_page_is_html_that_cannot_be_framed_and_escapes_its_input()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"], name: "<script>alert(1)</script>");
        var challenge = OAuthFlows.ChallengeFor(OAuthFlows.NewCodeVerifier());
        using var http = OAuthFlows.NoRedirectClient(Api);
        using var page = await http.GetAsync(
            $"/oauth/authorize?response_type=code&client_id={client.ClientId}&code_challenge={challenge}&code_challenge_method=S256&state=%22%3E%3Cb%3E");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.DoesNotContain("<script>", html);
        Assert.DoesNotContain("\"><b>", html);
        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
        Assert.Contains("frame-ancestors 'none'", page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("no-store", page.Headers.CacheControl?.ToString());
        Assert.Contains("inventory.products.read", html);
        Assert.Contains("name=\"api_key\"", html);
    }

    [Fact]
    public async Task Consent_needs_an_admin_key_of_the_clients_organization()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var other = await Tenant.CreateAsync(Api, "Other org");
        var readOnlyKey = await Tenant.CreateKeyAsync(Api, ["inventory.products.read"]);
        var challenge = OAuthFlows.ChallengeFor(OAuthFlows.NewCodeVerifier());
        using var http = OAuthFlows.NoRedirectClient(Api);

        foreach (var key in new[] { other.AdminKey, readOnlyKey, "sk_live_wrong000000000000000000000000" })
        {
            using var form = ConsentForm(client, challenge, key, "approve");
            using var response = await http.PostAsync("/oauth/authorize", form);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Null(response.Headers.Location);
            Assert.Contains("not an active inventory.admin API key", await response.Content.ReadAsStringAsync());
        }

        using var denyForm = ConsentForm(client, challenge, Tenant.AdminKey, "deny");
        using var denied = await http.PostAsync("/oauth/authorize", denyForm);
        var redirect = OAuthFlows.ParseRedirect(denied.Headers.Location!, client.RedirectUris[0]);
        Assert.Equal("access_denied", redirect["error"]);

        // The X-API-Key header signs in as well as the form field.
        using var headerForm = ConsentForm(client, challenge, null, "approve");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/oauth/authorize") { Content = headerForm };
        request.Headers.Add("X-API-Key", Tenant.AdminKey);
        using var approved = await http.SendAsync(request);
        Assert.True(OAuthFlows.ParseRedirect(approved.Headers.Location!, client.RedirectUris[0]).ContainsKey("code"));
    }

    [Fact]
    public async Task Scope_beyond_the_client_or_another_response_type_is_an_error_page_not_a_redirect()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var challenge = OAuthFlows.ChallengeFor(OAuthFlows.NewCodeVerifier());
        using var http = OAuthFlows.NoRedirectClient(Api);
        using var response = await http.GetAsync(
            $"/oauth/authorize?response_type=code&client_id={client.ClientId}&scope=inventory.admin&code_challenge={challenge}&code_challenge_method=S256");
        await AssertErrorPageAsync(response, "invalid_scope", "inventory.admin");

        using var implicitGrant = await http.GetAsync(
            $"/oauth/authorize?response_type=token&client_id={client.ClientId}&code_challenge={challenge}&code_challenge_method=S256&state=x");
        await AssertErrorPageAsync(implicitGrant, "unsupported_response_type", "response_type must be code");
    }

    [Fact]
    public async Task Reused_code_is_refused_and_revokes_the_tokens_issued_for_it()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var verifier = OAuthFlows.NewCodeVerifier();
        var redirect = await OAuthFlows.AuthorizeAsync(Api, client, Tenant.AdminKey, OAuthFlows.ChallengeFor(verifier));

        using var first = await Exchange(client, redirect["code"], verifier);
        var tokens = await OAuthFlows.ReadTokensAsync(first);
        using (var api = Tenant.BearerClient(Api, tokens.AccessToken))
        using (var before = await api.GetAsync("/v1/products"))
        {
            await Envelopes.ListAsync(before);
        }

        using var second = await Exchange(client, redirect["code"], verifier);
        Assert.Contains("already been used", await OAuthFlows.ReadOAuthErrorAsync(second, HttpStatusCode.BadRequest, "invalid_grant"));

        using (var api = Tenant.BearerClient(Api, tokens.AccessToken))
        using (var after = await api.GetAsync("/v1/products"))
        {
            var error = await Envelopes.ErrorAsync(after, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
            Assert.Contains("revoked", error.GetProperty("details").GetProperty("reason").GetString());
        }

        using var refresh = await Refresh(client, tokens.RefreshToken!);
        await OAuthFlows.ReadOAuthErrorAsync(refresh, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task Code_of_another_client_or_with_another_redirect_uri_is_refused()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"], [OAuthFlows.RedirectUri, "http://127.0.0.1:8765/cb"]);
        var thief = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var verifier = OAuthFlows.NewCodeVerifier();
        var redirect = await OAuthFlows.AuthorizeAsync(Api, client, Tenant.AdminKey, OAuthFlows.ChallengeFor(verifier));

        using var stolen = await Exchange(thief, redirect["code"], verifier);
        await OAuthFlows.ReadOAuthErrorAsync(stolen, HttpStatusCode.BadRequest, "invalid_grant");

        using var otherRedirect = await Exchange(client, redirect["code"], verifier, "http://127.0.0.1:8765/cb");
        Assert.Contains("redirect_uri", await OAuthFlows.ReadOAuthErrorAsync(otherRedirect, HttpStatusCode.BadRequest, "invalid_grant"));
    }

    [Fact]
    public async Task Refresh_rotates_the_refresh_token_and_a_used_one_is_dead()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read", "inventory.products.write"]);
        var first = await OAuthFlows.AuthorizationCodeFlowAsync(Api, client, Tenant.AdminKey);

        using var refreshed = await Refresh(client, first.RefreshToken!);
        var second = await OAuthFlows.ReadTokensAsync(refreshed);
        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        Assert.NotEqual(first.AccessToken, second.AccessToken);
        Assert.Equal(first.Scope, second.Scope);

        using var narrowed = await Refresh(client, second.RefreshToken!, "inventory.products.read");
        var third = await OAuthFlows.ReadTokensAsync(narrowed);
        Assert.Equal("inventory.products.read", third.Scope);

        using var widened = await Refresh(client, third.RefreshToken!, "inventory.admin");
        await OAuthFlows.ReadOAuthErrorAsync(widened, HttpStatusCode.BadRequest, "invalid_scope");

        // A refused scope does not consume the token; the original scope is kept for the next one.
        using var again = await Refresh(client, third.RefreshToken!);
        Assert.Equal("inventory.products.read inventory.products.write", (await OAuthFlows.ReadTokensAsync(again)).Scope);
    }

    [Fact]
    public async Task Reusing_a_used_refresh_token_revokes_the_whole_family()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var first = await OAuthFlows.AuthorizationCodeFlowAsync(Api, client, Tenant.AdminKey);
        using var rotate = await Refresh(client, first.RefreshToken!);
        var second = await OAuthFlows.ReadTokensAsync(rotate);

        using var reuse = await Refresh(client, first.RefreshToken!);
        Assert.Contains("revoked", await OAuthFlows.ReadOAuthErrorAsync(reuse, HttpStatusCode.BadRequest, "invalid_grant"));

        // The legitimate newest refresh token of the family is dead too, and so are the family's access tokens.
        using var newest = await Refresh(client, second.RefreshToken!);
        await OAuthFlows.ReadOAuthErrorAsync(newest, HttpStatusCode.BadRequest, "invalid_grant");
        foreach (var access in new[] { first.AccessToken, second.AccessToken })
        {
            using var api = Tenant.BearerClient(Api, access);
            using var response = await api.GetAsync("/v1/products");
            await Envelopes.ErrorAsync(response, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
        }

        // Other grants of the same client are untouched.
        var unrelated = await OAuthFlows.AuthorizationCodeFlowAsync(Api, client, Tenant.AdminKey);
        using var ok = await Refresh(client, unrelated.RefreshToken!);
        await OAuthFlows.ReadTokensAsync(ok);
    }

    [Fact]
    public async Task Refresh_token_of_another_client_is_invalid_grant()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var other = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var tokens = await OAuthFlows.AuthorizationCodeFlowAsync(Api, client, Tenant.AdminKey);
        using var response = await Refresh(other, tokens.RefreshToken!);
        await OAuthFlows.ReadOAuthErrorAsync(response, HttpStatusCode.BadRequest, "invalid_grant");

        // Not a reuse by the owner: the owner's token still works.
        using var owner = await Refresh(client, tokens.RefreshToken!);
        await OAuthFlows.ReadTokensAsync(owner);
    }

    [Fact]
    public async Task Revoking_a_refresh_token_ends_its_grant_and_revoking_an_access_token_ends_that_token()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var tokens = await OAuthFlows.AuthorizationCodeFlowAsync(Api, client, Tenant.AdminKey);

        using var revoke = await OAuthFlows.PostFormAsync(Api, "/oauth/revoke",
            new Dictionary<string, string> { ["token"] = tokens.RefreshToken!, ["token_type_hint"] = "refresh_token" }, client);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        using var refresh = await Refresh(client, tokens.RefreshToken!);
        await OAuthFlows.ReadOAuthErrorAsync(refresh, HttpStatusCode.BadRequest, "invalid_grant");
        using (var api = Tenant.BearerClient(Api, tokens.AccessToken))
        using (var response = await api.GetAsync("/v1/products"))
        {
            await Envelopes.ErrorAsync(response, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
        }

        var cc = await OAuthFlows.ClientCredentialsAsync(Api, client);
        var other = await OAuthFlows.ClientCredentialsAsync(Api, client);
        using var revokeAccess = await OAuthFlows.PostFormAsync(Api, "/oauth/revoke", new Dictionary<string, string> { ["token"] = cc.AccessToken }, client);
        Assert.Equal(HttpStatusCode.OK, revokeAccess.StatusCode);
        using (var api = Tenant.BearerClient(Api, cc.AccessToken))
        using (var response = await api.GetAsync("/v1/products"))
        {
            await Envelopes.ErrorAsync(response, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
        }

        using (var api = Tenant.BearerClient(Api, other.AccessToken))
        using (var response = await api.GetAsync("/v1/products"))
        {
            await Envelopes.ListAsync(response);
        }

        // RFC 7009: unknown tokens are answered 200 too.
        using var unknown = await OAuthFlows.PostFormAsync(Api, "/oauth/revoke", new Dictionary<string, string> { ["token"] = "nonsense" }, client);
        Assert.Equal(HttpStatusCode.OK, unknown.StatusCode);

        // Another client cannot revoke this client's token.
        var intruder = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        using var foreign = await OAuthFlows.PostFormAsync(Api, "/oauth/revoke", new Dictionary<string, string> { ["token"] = other.AccessToken }, intruder);
        Assert.Equal(HttpStatusCode.OK, foreign.StatusCode);
        using (var api = Tenant.BearerClient(Api, other.AccessToken))
        using (var response = await api.GetAsync("/v1/products"))
        {
            await Envelopes.ListAsync(response);
        }
    }

    [Fact]
    public async Task Introspection_reports_active_tokens_of_the_calling_client_only()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var tokens = await OAuthFlows.AuthorizationCodeFlowAsync(Api, client, Tenant.AdminKey);

        var access = await Introspect(client, tokens.AccessToken);
        Assert.True(access.GetProperty("active").GetBoolean());
        Assert.Equal("inventory.products.read", access.GetProperty("scope").GetString());
        Assert.Equal(client.ClientId, access.GetProperty("client_id").GetString());
        Assert.Equal(Tenant.OrganizationId, access.GetProperty("org").GetString());
        Assert.Equal("Bearer", access.GetProperty("token_type").GetString());
        Assert.True(access.GetProperty("exp").GetInt64() > access.GetProperty("iat").GetInt64());

        var refresh = await Introspect(client, tokens.RefreshToken!);
        Assert.True(refresh.GetProperty("active").GetBoolean());
        Assert.Equal("refresh_token", refresh.GetProperty("token_type").GetString());

        var other = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        Assert.False((await Introspect(other, tokens.AccessToken)).GetProperty("active").GetBoolean());
        var garbage = await Introspect(client, "garbage");
        Assert.False(garbage.GetProperty("active").GetBoolean());
        Assert.Single(garbage.EnumerateObject());

        using var rotate = await Refresh(client, tokens.RefreshToken!);
        await OAuthFlows.ReadTokensAsync(rotate);
        Assert.False((await Introspect(client, tokens.RefreshToken!)).GetProperty("active").GetBoolean());

        using var unauthenticated = await OAuthFlows.PostFormAsync(Api, "/oauth/introspect", new Dictionary<string, string> { ["token"] = tokens.AccessToken });
        await OAuthFlows.ReadOAuthErrorAsync(unauthenticated, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task Token_of_one_organization_used_with_another_organizations_header_is_denied()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var tokens = await OAuthFlows.ClientCredentialsAsync(Api, client);
        var other = await Tenant.CreateAsync(Api, "Victim");
        using var api = other.BearerClient(Api, tokens.AccessToken);
        using var response = await api.GetAsync("/v1/products");
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.Forbidden, "PERMISSION_DENIED");
        Assert.True(error.GetProperty("details").TryGetProperty("X-Organization-ID", out _));
    }

    [Fact]
    public async Task Branch_bound_client_tokens_cannot_act_on_another_branch()
    {
        using var admin = Tenant.Client(Api);
        using var branch = await admin.PostAsJsonAsync("/v1/branches", new { name = "North" });
        var north = (await Envelopes.SuccessAsync(branch, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read", "inventory.products.write"], branchId: north);
        var tokens = await OAuthFlows.ClientCredentialsAsync(Api, client);
        Assert.Equal(north, TokenForge.Read(tokens.AccessToken).GetPayloadValue<string>("branch"));

        using var wrong = Tenant.BearerClient(Api, tokens.AccessToken, branchId: Tenant.BranchId);
        using var denied = await wrong.GetAsync("/v1/locations");
        await Envelopes.ErrorAsync(denied, HttpStatusCode.Forbidden, "PERMISSION_DENIED");

        using var own = Tenant.BearerClient(Api, tokens.AccessToken);
        using var allowed = await own.GetAsync("/v1/locations");
        await Envelopes.ListAsync(allowed);
        using var sneaky = await own.PostAsJsonAsync("/v1/locations", new { name = "Elsewhere", branch_id = Tenant.BranchId });
        await Envelopes.ErrorAsync(sneaky, HttpStatusCode.Forbidden, "PERMISSION_DENIED");

        // The consent of a branch-bound admin key binds the code's tokens to that branch as well.
        var boundAdmin = await Tenant.CreateKeyAsync(Api, ["inventory.admin"], north);
        var unbound = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var consented = await OAuthFlows.AuthorizationCodeFlowAsync(Api, unbound, boundAdmin);
        Assert.Equal(north, TokenForge.Read(consented.AccessToken).GetPayloadValue<string>("branch"));
    }

    private Task<HttpResponseMessage> Exchange(OAuthClientCredentials client, string code, string? verifier, string? redirectUri = null)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = redirectUri ?? client.RedirectUris[0],
        };
        if (verifier is not null)
        {
            form["code_verifier"] = verifier;
        }

        return OAuthFlows.PostFormAsync(Api, "/oauth/token", form, client);
    }

    private Task<HttpResponseMessage> Refresh(OAuthClientCredentials client, string refreshToken, string? scope = null)
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken };
        if (scope is not null)
        {
            form["scope"] = scope;
        }

        return OAuthFlows.PostFormAsync(Api, "/oauth/token", form, client);
    }

    private async Task<JsonElement> Introspect(OAuthClientCredentials client, string token)
    {
        using var response = await OAuthFlows.PostFormAsync(Api, "/oauth/introspect", new Dictionary<string, string> { ["token"] = token }, client);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static FormUrlEncodedContent ConsentForm(OAuthClientCredentials client, string challenge, string? apiKey, string decision)
    {
        var form = new Dictionary<string, string>
        {
            ["response_type"] = "code",
            ["client_id"] = client.ClientId,
            ["redirect_uri"] = client.RedirectUris[0],
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
            ["decision"] = decision,
        };
        if (apiKey is not null)
        {
            form["api_key"] = apiKey;
        }

        return new FormUrlEncodedContent(form);
    }
}
