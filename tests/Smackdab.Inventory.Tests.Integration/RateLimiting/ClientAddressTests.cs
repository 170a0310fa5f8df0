using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Smackdab.Inventory.Tests.Integration.RateLimiting;

/// <summary>
/// An API behind a trusted reverse proxy (10.0.0.2, ForwardedHeaders:KnownProxies) with small budgets: every request
/// arrives from the proxy's address, and X-Forwarded-For names the client.
/// </summary>
public sealed class ProxiedApiFixture : IAsyncLifetime
{
    public const string Proxy = "10.0.0.2";

    public ApiFactory Api { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Api = await ApiFactory.StartAsync(
            new Dictionary<string, string?>
            {
                ["ForwardedHeaders:KnownProxies:0"] = Proxy,
                ["RateLimiting:Tiers:default:RequestsPerMinute"] = "3",
                ["RateLimiting:Tiers:default:BurstCapacity"] = "3",
                ["RateLimiting:Tiers:oauth:RequestsPerMinute"] = "3",
                ["RateLimiting:Tiers:oauth:BurstCapacity"] = "3",
                ["AuthFailureLimit:PermitLimit"] = "3",
            },
            services => services.AddSingleton<IStartupFilter>(new PeerAddressStartupFilter(IPAddress.Parse(Proxy))));

    public async Task DisposeAsync() => await Api.DisposeAsync();

    /// <summary>A request from <paramref name="client"/> through the proxy (or straight from <paramref name="peer"/>).</summary>
    public static HttpRequestMessage From(string client, HttpMethod method, string path, string? peer = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Forwarded-For", client);
        if (peer is not null)
        {
            request.Headers.Add(PeerAddressStartupFilter.Header, peer);
        }

        return request;
    }
}

/// <summary>Issue 8 build item 4 and rows 8 and 11: limits per client address hold behind a proxy, and never lock out others.</summary>
public sealed class ClientAddressTests(ProxiedApiFixture fixture) : IClassFixture<ProxiedApiFixture>
{
    private ApiFactory Api => fixture.Api;

    [Fact]
    public async Task Behind_a_known_proxy_per_address_limits_stay_per_client()
    {
        using var http = Api.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            using var request = ProxiedApiFixture.From("203.0.113.1", HttpMethod.Get, "/v1/products");
            using var unauthenticated = await http.SendAsync(request);
            await Envelopes.ErrorAsync(unauthenticated, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
        }

        using (var fourth = ProxiedApiFixture.From("203.0.113.1", HttpMethod.Get, "/v1/products"))
        using (var limited = await http.SendAsync(fourth))
        {
            await Envelopes.ErrorAsync(limited, HttpStatusCode.TooManyRequests, "RATE_LIMIT_EXCEEDED");
        }

        // Another client behind the same proxy has its own budget (before forwarded headers, all shared the proxy's).
        using var other = ProxiedApiFixture.From("203.0.113.2", HttpMethod.Get, "/v1/products");
        using var otherResponse = await http.SendAsync(other);
        await Envelopes.ErrorAsync(otherResponse, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
    }

    [Fact]
    public async Task X_Forwarded_For_from_an_unknown_peer_is_not_believed()
    {
        using var http = Api.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            // A different forged client each time, straight from 198.51.100.7: all counted against 198.51.100.7.
            using var request = ProxiedApiFixture.From($"203.0.113.{100 + i}", HttpMethod.Get, "/v1/products", peer: "198.51.100.7");
            using var response = await http.SendAsync(request);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task Failures_with_a_key_prefix_from_one_address_do_not_lock_the_key_out_at_another()
    {
        var tenant = await Tenant.CreateAsync(Api);
        using var http = Api.CreateClient();
        var forged = tenant.AdminKey[..^4] + "zzzz"; // same public prefix, wrong secret
        for (var i = 0; i < 4; i++)
        {
            using var attempt = ProxiedApiFixture.From("203.0.113.20", HttpMethod.Get, "/v1/branches");
            attempt.Headers.Add("X-API-Key", forged);
            attempt.Headers.Add("X-Organization-ID", tenant.OrganizationId);
            using var refused = await http.SendAsync(attempt);
            Assert.Equal(i < 3 ? HttpStatusCode.Unauthorized : HttpStatusCode.TooManyRequests, refused.StatusCode);
        }

        // The attacker's address is blocked; the real key from its own address is not.
        using var real = ProxiedApiFixture.From("203.0.113.21", HttpMethod.Get, "/v1/branches");
        real.Headers.Add("X-API-Key", tenant.AdminKey);
        real.Headers.Add("X-Organization-ID", tenant.OrganizationId);
        using var served = await http.SendAsync(real);
        await Envelopes.ListAsync(served);
    }

    [Fact]
    public async Task Failed_client_secrets_from_one_address_do_not_lock_the_client_out_at_another()
    {
        var tenant = await Tenant.CreateAsync(Api);
        var client = await tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        using var http = Api.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            using var attempt = TokenRequest("203.0.113.30", client.ClientId, "wrong-secret");
            using var refused = await http.SendAsync(attempt);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using var real = TokenRequest("203.0.113.31", client.ClientId, client.Secret);
        using var issued = await http.SendAsync(real);
        Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
    }

    [Fact]
    public async Task The_OAuth_endpoints_are_rate_limited_per_client_address()
    {
        var tenant = await Tenant.CreateAsync(Api);
        var client = await tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        using var http = Api.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        // Valid requests: it is the budget, not the failure limit, that stops them.
        for (var i = 0; i < 3; i++)
        {
            using var request = TokenRequest("203.0.113.40", client.ClientId, client.Secret);
            using var issued = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
            Assert.Equal("3", issued.Headers.GetValues("X-RateLimit-Limit").Single());
        }

        using (var token = TokenRequest("203.0.113.40", client.ClientId, client.Secret))
        using (var limited = await http.SendAsync(token))
        {
            await Envelopes.ErrorAsync(limited, HttpStatusCode.TooManyRequests, "RATE_LIMIT_EXCEEDED");
            Assert.True(limited.Headers.RetryAfter is not null);
        }

        // One budget for the address across token, introspection and the authorization page.
        using (var introspect = TokenRequest("203.0.113.40", client.ClientId, client.Secret, "/oauth/introspect", ("token", "x")))
        using (var limited = await http.SendAsync(introspect))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        }

        using (var authorize = ProxiedApiFixture.From("203.0.113.40", HttpMethod.Get, $"/oauth/authorize?response_type=code&client_id={client.ClientId}"))
        using (var limited = await http.SendAsync(authorize))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        }

        using var elsewhere = TokenRequest("203.0.113.41", client.ClientId, client.Secret);
        using var served = await http.SendAsync(elsewhere);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    private static HttpRequestMessage TokenRequest(string clientAddress, string clientId, string secret, string path = "/oauth/token", params (string Name, string Value)[] extra)
    {
        var request = ProxiedApiFixture.From(clientAddress, HttpMethod.Post, path);
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret };
        foreach (var (name, value) in extra)
        {
            form[name] = value;
        }

        if (path != "/oauth/token")
        {
            form.Remove("grant_type");
        }

        request.Content = new FormUrlEncodedContent(form);
        return request;
    }
}
