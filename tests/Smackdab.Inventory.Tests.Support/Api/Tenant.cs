using System.Net.Http.Json;

namespace Smackdab.Inventory.Tests.Support.Api;

/// <summary>An organization created for a test, with its admin key.</summary>
public sealed record Tenant(string OrganizationId, string BranchId, string AdminKey)
{
    /// <summary>Provisions a new organization through the platform endpoint, exactly as an integrator's sandbox is made.</summary>
    public static async Task<Tenant> CreateAsync(ApiFactory api, string name = "Test organization")
    {
        using var client = api.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/organizations")
        {
            Content = JsonContent.Create(new { name }),
        };
        request.Headers.Add("X-API-Key", api.PlatformKey);
        using var response = await client.SendAsync(request);
        var data = await Envelopes.SuccessAsync(response, System.Net.HttpStatusCode.Created);
        return new Tenant(
            data.GetProperty("id").GetString()!,
            data.GetProperty("branch_id").GetString()!,
            data.GetProperty("api_key").GetProperty("secret").GetString()!);
    }

    /// <summary>
    /// A client that sends this tenant's organization header and the given key (the admin key by default). Unless
    /// <paramref name="autoIdempotencyKey"/> is false, every POST gets a fresh Idempotency-Key, as a well-behaved integrator sends.
    /// </summary>
    public HttpClient Client(ApiFactory api, string? apiKey = null, string? branchId = null, string? inventoryMode = null, bool autoIdempotencyKey = true)
    {
        var client = autoIdempotencyKey ? api.CreateDefaultClient(new IdempotencyKeyHandler()) : api.CreateClient();
        client.DefaultRequestHeaders.Add("X-API-Key", apiKey ?? AdminKey);
        client.DefaultRequestHeaders.Add("X-Organization-ID", OrganizationId);
        if (branchId is not null)
        {
            client.DefaultRequestHeaders.Add("X-Branch-ID", branchId);
        }

        if (inventoryMode is not null)
        {
            client.DefaultRequestHeaders.Add("X-Inventory-Mode", inventoryMode);
        }

        return client;
    }

    /// <summary>Creates an API key with the given scopes (and optional branch binding) and returns its secret.</summary>
    public async Task<string> CreateKeyAsync(ApiFactory api, string[] scopes, string? branchId = null)
    {
        using var client = Client(api);
        using var response = await client.PostAsJsonAsync("/v1/api-keys", new { name = "test key", scopes, branch_id = branchId });
        var data = await Envelopes.SuccessAsync(response, System.Net.HttpStatusCode.Created);
        return data.GetProperty("secret").GetString()!;
    }
}
