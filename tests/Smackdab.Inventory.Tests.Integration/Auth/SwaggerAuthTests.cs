namespace Smackdab.Inventory.Tests.Integration.Auth;

/// <summary>Swagger can authorize with an API key or OAuth client credentials, and shows each operation's scope.</summary>
public sealed class SwaggerAuthTests(TenantFixture fixture) : IClassFixture<TenantFixture>
{
    [Fact]
    public async Task Swagger_offers_api_key_oauth_client_credentials_and_bearer_and_names_every_operations_scope()
    {
        var doc = await SwaggerAsync();
        var schemes = doc.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("apiKey", schemes.GetProperty("ApiKey").GetProperty("type").GetString());
        var oauth = schemes.GetProperty("OAuth2");
        Assert.Equal("oauth2", oauth.GetProperty("type").GetString());
        var flow = oauth.GetProperty("flows").GetProperty("clientCredentials");
        Assert.Equal("/oauth/token", flow.GetProperty("tokenUrl").GetString());
        Assert.True(flow.GetProperty("scopes").TryGetProperty("inventory.products.read", out _));
        Assert.Equal("bearer", schemes.GetProperty("Bearer").GetProperty("scheme").GetString());

        var checkedOperations = 0;
        foreach (var path in doc.GetProperty("paths").EnumerateObject().Where(p => p.Name.StartsWith("/v1/", StringComparison.Ordinal)))
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var op = operation.Value;
                var security = op.GetProperty("security").EnumerateArray().SelectMany(r => r.EnumerateObject()).ToList();
                if (path.Name.StartsWith("/v1/organizations", StringComparison.Ordinal) || path.Name.StartsWith("/v1/signing-keys", StringComparison.Ordinal))
                {
                    Assert.Equal(["ApiKey"], security.Select(s => s.Name).ToList());
                    continue;
                }

                var required = op.GetProperty("x-required-scopes").EnumerateArray().Select(s => s.GetString()!).ToList();
                Assert.NotEmpty(required);
                Assert.Equal(["ApiKey", "OAuth2", "Bearer"], security.Select(s => s.Name).ToList());
                Assert.Equal(required, security.Single(s => s.Name == "OAuth2").Value.EnumerateArray().Select(s => s.GetString()!).ToList());
                Assert.Contains($"Required scope: `{required[^1]}`", op.GetProperty("description").GetString());
                checkedOperations++;
            }
        }

        Assert.True(checkedOperations >= 20, $"only {checkedOperations} operations checked");
    }

    [Fact]
    public async Task Oauth_endpoints_are_documented_as_forms_with_rfc_6749_errors_not_the_envelope()
    {
        var doc = await SwaggerAsync();
        var token = doc.GetProperty("paths").GetProperty("/oauth/token").GetProperty("post");
        var form = token.GetProperty("requestBody").GetProperty("content").GetProperty("application/x-www-form-urlencoded").GetProperty("schema");
        Assert.True(form.GetProperty("properties").TryGetProperty("grant_type", out _));
        Assert.True(form.GetProperty("properties").TryGetProperty("code_verifier", out _));
        foreach (var status in new[] { "400", "401" })
        {
            var schema = token.GetProperty("responses").GetProperty(status).GetProperty("content").GetProperty("application/json").GetProperty("schema");
            Assert.Equal("#/components/schemas/OAuthErrorResponse", schema.GetProperty("$ref").GetString());
        }

        Assert.False(token.GetProperty("responses").TryGetProperty("403", out _));
        Assert.Contains("not the response envelope", token.GetProperty("description").GetString());
        Assert.True(!token.TryGetProperty("security", out var security) || security.GetArrayLength() == 0);
        foreach (var path in new[] { "/oauth/authorize", "/oauth/revoke", "/oauth/introspect", "/.well-known/jwks.json" })
        {
            Assert.True(doc.GetProperty("paths").TryGetProperty(path, out _), path);
        }
    }

    [Fact]
    public async Task What_swagger_ui_does_for_client_credentials_works_against_the_api()
    {
        // Swagger UI posts to tokenUrl with HTTP Basic client credentials and the selected scopes, then sends the bearer token.
        var client = await fixture.Tenant.CreateOAuthClientAsync(fixture.Api, ["inventory.products.read"]);
        var tokens = await OAuthFlows.ClientCredentialsAsync(fixture.Api, client, "inventory.products.read");
        using var api = fixture.Tenant.BearerClient(fixture.Api, tokens.AccessToken);
        using var response = await api.GetAsync("/v1/products");
        await Envelopes.ListAsync(response);

        using var ui = fixture.Api.CreateClient();
        using var page = await ui.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    private async Task<JsonElement> SwaggerAsync()
    {
        using var anonymous = fixture.Api.CreateClient();
        using var response = await anonymous.GetAsync("/swagger/v1/swagger.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
