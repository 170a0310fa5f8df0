using System.Net.Http.Headers;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Xunit.Abstractions;

namespace Smackdab.Inventory.Tests.Integration.Authorization;

/// <summary>One /v1 endpoint as routing knows it.</summary>
public sealed record V1Endpoint(string Method, RoutePattern Pattern, IReadOnlyList<string> Scopes, bool PlatformOnly, bool TakesBody, bool Anonymous)
{
    /// <summary>A 200 answer is an endless stream (SSE): only its first moments are read.</summary>
    public bool Streams { get; init; }

    public string Name => $"{Method} /{Pattern.RawText!.TrimStart('/')}";
}

/// <summary>
/// Its own API host (so that rotating the signing key or provisioning cannot disturb other test classes), two organizations,
/// owner data to aim at, and credentials (API keys and OAuth access tokens) per scope set, made on demand.
/// </summary>
public sealed class MatrixFixture : IAsyncLifetime
{
    private readonly Dictionary<string, (string Key, string Token)> _credentials = [];
    private readonly SemaphoreSlim _gate = new(1, 1);

    public ApiFactory Api { get; private set; } = null!;

    public Tenant Owner { get; private set; } = null!;

    public Tenant Other { get; private set; } = null!;

    public string OtherToken { get; private set; } = "";

    public string OwnerAdminToken { get; private set; } = "";

    /// <summary>Owner resources by the collection segment that precedes an id in a route.</summary>
    public Dictionary<string, string> OwnerIds { get; } = [];

    /// <summary>Strings that must never appear in an answer given to the other organization.</summary>
    public List<string> OwnerFingerprints { get; } = [];

    public IReadOnlyList<V1Endpoint> Endpoints { get; private set; } = [];

    public async Task InitializeAsync()
    {
        Api = await ApiFactory.StartAsync();
        Owner = await Tenant.CreateAsync(Api, "Matrix owner");
        Other = await Tenant.CreateAsync(Api, "Matrix other");

        using var owner = Owner.Client(Api);
        OwnerIds["products"] = await CreateAsync(owner, "/v1/products", new { sku = "MATRIX-SECRET-SKU", name = "Matrix secret" });
        OwnerIds["locations"] = await CreateAsync(owner, "/v1/locations", new { name = "Matrix secret WH", code = "MATRIX-WH" });
        OwnerIds["api-keys"] = await CreateAsync(owner, "/v1/api-keys", new { name = "Matrix key", scopes = new[] { "inventory.products.read" } });
        OwnerIds["clients"] = (await Owner.CreateOAuthClientAsync(Api, ["inventory.products.read"], name: "Matrix client")).ClientId;
        OwnerIds["branches"] = Owner.BranchId;
        OwnerIds["integrations"] = await CreateAsync(owner, "/v1/integrations", new { name = "Matrix ERP", type = "erp", base_url = "https://matrix-erp.example.com" });
        OwnerIds["subscriptions"] = await CreateAsync(owner, "/v1/webhooks/subscriptions", new { url = "https://93.184.216.34/matrix", events = new[] { "*" } });
        OwnerFingerprints.AddRange([.. OwnerIds.Values, Owner.OrganizationId, "MATRIX-SECRET-SKU", "MATRIX-WH"]);

        var otherClient = await Other.CreateOAuthClientAsync(Api, [Scopes.Admin]);
        OtherToken = (await OAuthFlows.ClientCredentialsAsync(Api, otherClient)).AccessToken;
        var ownerAdminClient = await Owner.CreateOAuthClientAsync(Api, [Scopes.Admin]);
        OwnerAdminToken = (await OAuthFlows.ClientCredentialsAsync(Api, ownerAdminClient)).AccessToken;

        Endpoints = Discover(Api);
    }

    public async Task DisposeAsync()
    {
        _gate.Dispose();
        await Api.DisposeAsync();
    }

    /// <summary>Every /v1 endpoint with its HTTP methods, read from the app's EndpointDataSource: later endpoints are covered too.</summary>
    public static IReadOnlyList<V1Endpoint> Discover(ApiFactory api) =>
        api.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => ("/" + e.RoutePattern.RawText!.TrimStart('/')).StartsWith("/v1/", StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(method => new V1Endpoint(
                method,
                e.RoutePattern,
                e.Metadata.GetOrderedMetadata<RequireScopeAttribute>().Select(a => a.Scope).Distinct().ToList(),
                e.Metadata.GetMetadata<RequirePlatformKeyAttribute>() is not null,
                e.Metadata.GetMetadata<ControllerActionDescriptor>()?.Parameters.Any(p => p.BindingInfo?.BindingSource == BindingSource.Body) == true,
                e.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            {
                Streams = e.Metadata.GetMetadata<Smackdab.Inventory.Api.Realtime.EventStreamAttribute>() is not null,
            }))
            .OrderBy(e => e.Name, StringComparer.Ordinal)
            .ToList();

    /// <summary>An owner API key and an owner access token holding exactly <paramref name="scopes"/>.</summary>
    public async Task<(string Key, string Token)> CredentialsAsync(IReadOnlyList<string> scopes)
    {
        var name = string.Join(' ', scopes.Order(StringComparer.Ordinal));
        await _gate.WaitAsync();
        try
        {
            if (!_credentials.TryGetValue(name, out var credentials))
            {
                var key = await Owner.CreateKeyAsync(Api, [.. scopes]);
                var client = await Owner.CreateOAuthClientAsync(Api, [.. scopes]);
                credentials = (key, (await OAuthFlows.ClientCredentialsAsync(Api, client)).AccessToken);
                _credentials[name] = credentials;
            }

            return credentials;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Fills route parameters: an owner id where the preceding segment names a known collection, else a well-formed id.</summary>
    public string Url(V1Endpoint endpoint, bool existingIds)
    {
        var segments = new List<string>();
        string? previousLiteral = null;
        foreach (var segment in endpoint.Pattern.PathSegments)
        {
            var text = string.Concat(segment.Parts.Select(part => part switch
            {
                RoutePatternLiteralPart literal => literal.Content,
                RoutePatternParameterPart parameter => ValueFor(parameter, previousLiteral, existingIds),
                RoutePatternSeparatorPart separator => separator.Content,
                _ => "",
            }));
            if (segment.Parts is [RoutePatternLiteralPart only])
            {
                previousLiteral = only.Content;
            }

            segments.Add(text);
        }

        return "/" + string.Join('/', segments);
    }

    /// <summary>True when every route parameter of the endpoint is filled with an existing owner id.</summary>
    public bool PointsAtOwnerResources(V1Endpoint endpoint)
    {
        var url = Url(endpoint, existingIds: true);
        return endpoint.Pattern.Parameters.Count > 0 && !url.Contains("x_0000000000000000", StringComparison.Ordinal);
    }

    private string ValueFor(RoutePatternParameterPart parameter, string? collection, bool existingIds)
    {
        // Constraint names, not their arguments: regex(^int_) is a prefixed id, not an integer.
        var constraints = parameter.ParameterPolicies.Select(p => (p.Content ?? "").Split('(')[0]).ToList();
        if (constraints.Contains("guid", StringComparer.OrdinalIgnoreCase))
        {
            return Guid.Empty.ToString();
        }

        if (constraints.Contains("int", StringComparer.OrdinalIgnoreCase) || constraints.Contains("long", StringComparer.OrdinalIgnoreCase))
        {
            return "1";
        }

        return existingIds && collection is not null && OwnerIds.TryGetValue(collection, out var id) ? id : "x_0000000000000000";
    }

    private static async Task<string> CreateAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PostAsJsonAsync(path, body);
        return (await Envelopes.SuccessAsync(response, HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }
}

/// <summary>
/// Walks every /v1 endpoint (discovered, not listed) through every credential case, for API keys and OAuth tokens alike:
/// no credential → 401; another organization's credential → 403/404 and never the owner's data; a credential without the
/// endpoint's scope → 403 naming it; the right scope → neither 401 nor 403.
/// </summary>
public sealed class AuthorizationMatrixTests(MatrixFixture fixture, ITestOutputHelper output) : IClassFixture<MatrixFixture>
{
    public enum Kind
    {
        ApiKey,
        Token,
    }

    private IEnumerable<V1Endpoint> Scoped => fixture.Endpoints.Where(e => !e.PlatformOnly);

    private IEnumerable<V1Endpoint> PlatformOnly => fixture.Endpoints.Where(e => e.PlatformOnly);

    [Fact]
    public void Every_v1_endpoint_declares_its_scope_or_is_platform_only_and_none_is_anonymous()
    {
        Assert.True(fixture.Endpoints.Count >= 20, $"Only {fixture.Endpoints.Count} endpoints discovered");
        foreach (var known in new[] { "GET /v1/products", "DELETE /v1/products/{id}", "POST /v1/oauth/clients", "POST /v1/organizations", "GET /v1/api-keys/{id}" })
        {
            Assert.Contains(known, fixture.Endpoints.Select(e => e.Name));
        }

        Assert.All(fixture.Endpoints, e => Assert.False(e.Anonymous, $"{e.Name} allows anonymous access"));
        Assert.All(fixture.Endpoints, e => Assert.True(e.PlatformOnly || e.Scopes.Count > 0, $"{e.Name} declares no [RequireScope]"));
        Assert.All(fixture.Endpoints, e => Assert.All(e.Scopes, s => Assert.True(Scopes.IsKnown(s), $"{e.Name}: unknown scope {s}")));

        var scoped = Scoped.Count();
        var platform = PlatformOnly.Count();
        output.WriteLine($"Matrix: {scoped} scoped endpoints x 9 cases + {platform} platform-only endpoints x 4 cases = {(scoped * 9) + (platform * 4)} requests");
        foreach (var e in fixture.Endpoints)
        {
            output.WriteLine($"  {e.Name}  [{(e.PlatformOnly ? "platform" : string.Join(' ', e.Scopes))}]");
        }
    }

    [Fact]
    public async Task Without_credentials_every_endpoint_is_401()
    {
        var failures = new List<string>();
        foreach (var endpoint in fixture.Endpoints)
        {
            using var response = await SendAsync(endpoint, existingIds: true, http => http.DefaultRequestHeaders.Add("X-Organization-ID", fixture.Owner.OrganizationId));
            await ExpectErrorAsync(failures, endpoint, "no credentials", response, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
            if (response.Headers.WwwAuthenticate.Count == 0)
            {
                failures.Add($"{endpoint.Name} [no credentials]: no WWW-Authenticate");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Theory]
    [InlineData(Kind.ApiKey)]
    [InlineData(Kind.Token)]
    public async Task Another_organizations_credential_with_its_own_header_never_gets_the_owners_data(Kind kind)
    {
        var failures = new List<string>();
        foreach (var endpoint in Scoped)
        {
            using var response = await SendAsync(endpoint, existingIds: true, http => Authenticate(http, kind, fixture.Other.AdminKey, fixture.OtherToken, fixture.Other.OrganizationId));
            var text = await response.Content.ReadAsStringAsync();
            // A 404 echoes the id the caller sent itself; anything else of the owner's is a leak.
            var url = fixture.Url(endpoint, existingIds: true);
            var leaked = fixture.OwnerFingerprints.Where(f => text.Contains(f, StringComparison.Ordinal) && !url.Contains(f, StringComparison.Ordinal)).ToList();
            if (leaked.Count > 0)
            {
                failures.Add($"{endpoint.Name} [{kind}, other org]: answer contains the owner's {string.Join(", ", leaked)}");
            }

            var status = (int)response.StatusCode;
            var aimsAtOwnerResource = endpoint.Pattern.Parameters.Count > 0;
            // A body is validated before any lookup: that 400 is the same whether or not the id exists anywhere.
            var allowed = aimsAtOwnerResource ? (endpoint.TakesBody ? new[] { 400, 403, 404 } : [403, 404]) : null;
            if (allowed is not null && !allowed.Contains(status))
            {
                failures.Add($"{endpoint.Name} [{kind}, other org]: expected {string.Join('/', allowed)}, got {status}: {Trim(text)}");
            }

            if (status >= 500)
            {
                failures.Add($"{endpoint.Name} [{kind}, other org]: {status}");
            }
        }

        await AssertOwnerDataIntactAsync(failures);
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Theory]
    [InlineData(Kind.ApiKey)]
    [InlineData(Kind.Token)]
    public async Task Another_organizations_credential_with_the_owners_header_is_403(Kind kind)
    {
        var failures = new List<string>();
        foreach (var endpoint in Scoped)
        {
            using var response = await SendAsync(endpoint, existingIds: true, http => Authenticate(http, kind, fixture.Other.AdminKey, fixture.OtherToken, fixture.Owner.OrganizationId));
            await ExpectErrorAsync(failures, endpoint, $"{kind}, owner's header", response, HttpStatusCode.Forbidden, "PERMISSION_DENIED");
        }

        await AssertOwnerDataIntactAsync(failures);
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Theory]
    [InlineData(Kind.ApiKey)]
    [InlineData(Kind.Token)]
    public async Task A_credential_without_the_endpoints_scope_is_403_naming_the_scope(Kind kind)
    {
        var failures = new List<string>();
        foreach (var endpoint in Scoped)
        {
            var lacking = Scopes.All.Where(s => s != Scopes.Admin && !endpoint.Scopes.Contains(s)).ToList();
            var (key, token) = await fixture.CredentialsAsync(lacking);
            using var response = await SendAsync(endpoint, existingIds: true, http => Authenticate(http, kind, key, token, fixture.Owner.OrganizationId));
            var error = await ExpectErrorAsync(failures, endpoint, $"{kind}, lacking scope", response, HttpStatusCode.Forbidden, "PERMISSION_DENIED");
            if (error is { } e && !endpoint.Scopes.Any(s => e.GetProperty("message").GetString()!.Contains(s, StringComparison.Ordinal)))
            {
                failures.Add($"{endpoint.Name} [{kind}, lacking scope]: message does not name {string.Join('/', endpoint.Scopes)}: {e}");
            }
        }

        await AssertOwnerDataIntactAsync(failures);
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Theory]
    [InlineData(Kind.ApiKey)]
    [InlineData(Kind.Token)]
    public async Task A_credential_with_exactly_the_endpoints_scope_is_let_through(Kind kind)
    {
        var failures = new List<string>();
        foreach (var endpoint in Scoped)
        {
            var (key, token) = await fixture.CredentialsAsync(endpoint.Scopes);
            // Reads aim at real owner ids; writes at ids that do not exist, so that nothing of the owner is changed.
            using var response = await SendAsync(endpoint, existingIds: endpoint.Method == "GET", http => Authenticate(http, kind, key, token, fixture.Owner.OrganizationId));
            var status = (int)response.StatusCode;
            if (status is 401 or 403 or >= 500)
            {
                failures.Add($"{endpoint.Name} [{kind}, right scope]: {status}: {Trim(await response.Content.ReadAsStringAsync())}");
            }
            else if (endpoint.Method == "GET" && fixture.PointsAtOwnerResources(endpoint) && status != 200)
            {
                failures.Add($"{endpoint.Name} [{kind}, right scope]: expected 200 for an existing owner resource, got {status}");
            }
        }

        await AssertOwnerDataIntactAsync(failures);
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task Platform_only_endpoints_accept_the_platform_key_alone()
    {
        var failures = new List<string>();
        Assert.NotEmpty(PlatformOnly);
        foreach (var endpoint in PlatformOnly)
        {
            using (var none = await SendAsync(endpoint, existingIds: true, _ => { }))
            {
                await ExpectErrorAsync(failures, endpoint, "no credentials", none, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
            }

            using (var adminKey = await SendAsync(endpoint, existingIds: true, http => Authenticate(http, Kind.ApiKey, fixture.Owner.AdminKey, "", fixture.Owner.OrganizationId)))
            {
                await ExpectErrorAsync(failures, endpoint, "org admin key", adminKey, HttpStatusCode.Forbidden, "PERMISSION_DENIED");
            }

            using (var adminToken = await SendAsync(endpoint, existingIds: true, http => Authenticate(http, Kind.Token, "", fixture.OwnerAdminToken, fixture.Owner.OrganizationId)))
            {
                await ExpectErrorAsync(failures, endpoint, "org admin token", adminToken, HttpStatusCode.Forbidden, "PERMISSION_DENIED");
            }

            using var platform = await SendAsync(endpoint, existingIds: true, http => http.DefaultRequestHeaders.Add("X-API-Key", fixture.Api.PlatformKey));
            if ((int)platform.StatusCode is 401 or 403 or >= 500)
            {
                failures.Add($"{endpoint.Name} [platform key]: {(int)platform.StatusCode}: {Trim(await platform.Content.ReadAsStringAsync())}");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    private static void Authenticate(HttpClient http, Kind kind, string key, string token, string organizationId)
    {
        if (kind == Kind.ApiKey)
        {
            http.DefaultRequestHeaders.Add("X-API-Key", key);
        }
        else
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        http.DefaultRequestHeaders.Add("X-Organization-ID", organizationId);
    }

    private async Task<HttpResponseMessage> SendAsync(V1Endpoint endpoint, bool existingIds, Action<HttpClient> configure)
    {
        using var http = fixture.Api.CreateClient();
        configure(http);
        using var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), fixture.Url(endpoint, existingIds));
        if (endpoint.Method == "POST")
        {
            // As a well-behaved integrator does; POSTs under /v1/inventory require one.
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        }

        if (endpoint.TakesBody)
        {
            request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        }

        if (endpoint.Streams)
        {
            return await FirstMomentsAsync(http, request);
        }

        var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    /// <summary>An error answer in full; of a stream, what it sends in its first second (enough to see what it would leak).</summary>
    private static async Task<HttpResponseMessage> FirstMomentsAsync(HttpClient http, HttpRequestMessage request)
    {
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            await response.Content.LoadIntoBufferAsync();
            return response;
        }

        var received = new MemoryStream();
        using (var first = new CancellationTokenSource(TimeSpan.FromSeconds(1)))
        {
            try
            {
                await (await response.Content.ReadAsStreamAsync()).CopyToAsync(received, first.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        var copy = new HttpResponseMessage(response.StatusCode) { Content = new ByteArrayContent(received.ToArray()) };
        response.Dispose();
        return copy;
    }

    private static async Task<JsonElement?> ExpectErrorAsync(List<string> failures, V1Endpoint endpoint, string @case, HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != status)
        {
            failures.Add($"{endpoint.Name} [{@case}]: expected {(int)status} {code}, got {(int)response.StatusCode}: {Trim(text)}");
            return null;
        }

        return await Envelopes.ErrorAsync(response, status, code);
    }

    private async Task AssertOwnerDataIntactAsync(List<string> failures)
    {
        using var owner = fixture.Owner.Client(fixture.Api);
        foreach (var (path, versioned) in new[] { ($"/v1/products/{fixture.OwnerIds["products"]}", true), ($"/v1/locations/{fixture.OwnerIds["locations"]}", true) })
        {
            using var response = await owner.GetAsync(path);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                failures.Add($"Owner data changed: {path} is {(int)response.StatusCode}");
            }
            else if (versioned && (await Envelopes.SuccessAsync(response)).GetProperty("version").GetInt32() != 1)
            {
                failures.Add($"Owner data changed: {path} has a new version");
            }
        }

        foreach (var path in new[] { $"/v1/api-keys/{fixture.OwnerIds["api-keys"]}", $"/v1/oauth/clients/{fixture.OwnerIds["clients"]}" })
        {
            using var response = await owner.GetAsync(path);
            var data = await Envelopes.SuccessAsync(response);
            if (data.GetProperty("revoked_at").ValueKind != JsonValueKind.Null)
            {
                failures.Add($"Owner data changed: {path} was revoked");
            }
        }
    }

    private static string Trim(string text) => text.Length > 300 ? text[..300] + "…" : text;
}
