using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Smackdab.Inventory.Domain.Features.OAuth;
using Xunit;

namespace Smackdab.Inventory.Tests.Support.Api;

/// <summary>A registered OAuth client and its secret.</summary>
public sealed record OAuthClientCredentials(string ClientId, string Secret, IReadOnlyList<string> RedirectUris);

/// <summary>The parsed token response.</summary>
public sealed record TokenSet(string AccessToken, string? RefreshToken, string Scope, int ExpiresIn, string TokenType);

/// <summary>Drives the OAuth endpoints over HTTP the way an integrator does.</summary>
public static class OAuthFlows
{
    public const string RedirectUri = "https://integrator.example.com/oauth/callback";

    /// <summary>Registers a client through POST /v1/oauth/clients with the tenant's admin key.</summary>
    public static async Task<OAuthClientCredentials> CreateOAuthClientAsync(
        this Tenant tenant, ApiFactory api, string[] scopes, string[]? redirectUris = null, string? branchId = null, string name = "Test integration")
    {
        using var client = tenant.Client(api);
        redirectUris ??= [RedirectUri];
        using var response = await client.PostAsJsonAsync("/v1/oauth/clients", new { name, scopes, redirect_uris = redirectUris, branch_id = branchId });
        var data = await Envelopes.SuccessAsync(response, HttpStatusCode.Created);
        return new OAuthClientCredentials(data.GetProperty("id").GetString()!, data.GetProperty("secret").GetString()!, redirectUris);
    }

    /// <summary>POST /oauth/token with the form; credentials in HTTP Basic when <paramref name="basic"/> is given.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(ApiFactory api, string path, IDictionary<string, string> form, OAuthClientCredentials? basic = null)
    {
        using var client = api.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
        if (basic is not null)
        {
            var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{WebUtility.UrlEncode(basic.ClientId)}:{WebUtility.UrlEncode(basic.Secret)}"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", encoded);
        }

        return await client.SendAsync(request);
    }

    /// <summary>Reads a 200 token response and checks its shape (RFC 6749 section 5.1) and no-store.</summary>
    public static async Task<TokenSet> ReadTokensAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Expected 200 from the token endpoint, got {(int)response.StatusCode}: {text}");
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var body = JsonDocument.Parse(text).RootElement;
        var allowed = new HashSet<string> { "access_token", "token_type", "expires_in", "refresh_token", "scope" };
        Assert.All(body.EnumerateObject(), p => Assert.Contains(p.Name, allowed));
        return new TokenSet(
            body.GetProperty("access_token").GetString()!,
            body.TryGetProperty("refresh_token", out var refresh) ? refresh.GetString() : null,
            body.GetProperty("scope").GetString()!,
            body.GetProperty("expires_in").GetInt32(),
            body.GetProperty("token_type").GetString()!);
    }

    /// <summary>Reads an RFC 6749 error response and returns its description.</summary>
    public static async Task<string> ReadOAuthErrorAsync(HttpResponseMessage response, HttpStatusCode status, string error)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status} {error}, got {(int)response.StatusCode}: {text}");
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal(error, body.GetProperty("error").GetString());
        Assert.Equal(2, body.EnumerateObject().Count());
        return body.GetProperty("error_description").GetString()!;
    }

    public static async Task<TokenSet> ClientCredentialsAsync(ApiFactory api, OAuthClientCredentials client, string? scope = null)
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials" };
        if (scope is not null)
        {
            form["scope"] = scope;
        }

        using var response = await PostFormAsync(api, "/oauth/token", form, client);
        return await ReadTokensAsync(response);
    }

    public static string NewCodeVerifier() => Base64Url(RandomNumberGenerator.GetBytes(48));

    public static string ChallengeFor(string verifier) => Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    public static HttpClient NoRedirectClient(ApiFactory api) =>
        api.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    /// <summary>
    /// Runs the authorization request and approves it on the consent page with <paramref name="adminKey"/>; returns the
    /// redirect's query parameters (code, state, iss — or error).
    /// </summary>
    public static async Task<Dictionary<string, string>> AuthorizeAsync(
        ApiFactory api, OAuthClientCredentials client, string adminKey, string codeChallenge, string? scope = null, string state = "xyz", string decision = "approve")
    {
        using var http = NoRedirectClient(api);
        var parameters = new Dictionary<string, string>
        {
            ["response_type"] = "code",
            ["client_id"] = client.ClientId,
            ["redirect_uri"] = client.RedirectUris[0],
            ["state"] = state,
            ["code_challenge"] = codeChallenge,
            ["code_challenge_method"] = Pkce.S256,
        };
        if (scope is not null)
        {
            parameters["scope"] = scope;
        }

        using var page = await http.GetAsync("/oauth/authorize?" + string.Join('&', parameters.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}")));
        var html = await page.Content.ReadAsStringAsync();
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"Consent page: {(int)page.StatusCode} {html}");
        Assert.Contains("text/html", page.Content.Headers.ContentType?.ToString());

        parameters["api_key"] = adminKey;
        parameters["decision"] = decision;
        using var consent = await http.PostAsync("/oauth/authorize", new FormUrlEncodedContent(parameters));
        Assert.True(consent.StatusCode == HttpStatusCode.Redirect, $"Consent: {(int)consent.StatusCode} {await consent.Content.ReadAsStringAsync()}");
        return ParseRedirect(consent.Headers.Location!, client.RedirectUris[0]);
    }

    public static Dictionary<string, string> ParseRedirect(Uri location, string expectedRedirectUri)
    {
        Assert.StartsWith(expectedRedirectUri + "?", location.ToString());
        return location.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => Uri.UnescapeDataString(p.Length > 1 ? p[1].Replace('+', ' ') : ""));
    }

    /// <summary>The full authorization code flow: consent, then the code exchanged at the token endpoint.</summary>
    public static async Task<TokenSet> AuthorizationCodeFlowAsync(ApiFactory api, OAuthClientCredentials client, string adminKey, string? scope = null)
    {
        var verifier = NewCodeVerifier();
        var redirect = await AuthorizeAsync(api, client, adminKey, ChallengeFor(verifier), scope);
        using var response = await PostFormAsync(api, "/oauth/token", new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = redirect["code"],
            ["redirect_uri"] = client.RedirectUris[0],
            ["code_verifier"] = verifier,
        }, client);
        return await ReadTokensAsync(response);
    }

    /// <summary>A client that sends the tenant's organization header and the bearer token.</summary>
    public static HttpClient BearerClient(this Tenant tenant, ApiFactory api, string accessToken, string? branchId = null)
    {
        var client = api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        client.DefaultRequestHeaders.Add("X-Organization-ID", tenant.OrganizationId);
        if (branchId is not null)
        {
            client.DefaultRequestHeaders.Add("X-Branch-ID", branchId);
        }

        return client;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
