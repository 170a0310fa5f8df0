using Smackdab.Inventory.Tests.Integration.Ledger;
using Xunit.Abstractions;

namespace Smackdab.Inventory.Tests.Integration.Events;

public sealed class SyncTests(ITestOutputHelper output)
{
    private static async Task<string> ListTokenAsync(HttpClient client, string path = "/v1/products")
    {
        using var response = await client.GetAsync(path);
        await Envelopes.ListAsync(response);
        return Assert.Single(response.Headers.GetValues("X-Next-Sync-Token"));
    }

    private static async Task<(JsonElement Body, HttpResponseMessage Response)> GetAsync(HttpClient client, string path, HttpStatusCode status = HttpStatusCode.OK)
    {
        var response = await client.GetAsync(path);
        var body = await Envelopes.ReadAsync(response);
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {body}");
        return (body, response);
    }

    [Fact]
    public async Task Every_list_response_carries_X_Next_Sync_Token_and_single_resources_do_not()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        foreach (var path in new[] { "/v1/products", "/v1/locations", "/v1/allocations", "/v1/inventory/transactions", $"/v1/products/{product}/inventory" })
        {
            using var response = await kit.Client.GetAsync(path);
            Assert.True(response.Headers.TryGetValues("X-Next-Sync-Token", out var values), path);
            Assert.StartsWith("st1.", Assert.Single(values));
        }

        using var single = await kit.Client.GetAsync($"/v1/products/{product}");
        Assert.False(single.Headers.Contains("X-Next-Sync-Token"));
    }

    [Fact]
    public async Task Changes_since_a_list_token_show_each_stock_change_once_with_the_spec_fields()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync("POLL-1");
        var location = await kit.LocationAsync("Main Warehouse");
        var token = await ListTokenAsync(kit.Client);
        var receipt = await kit.BookAsync("receipt", product, location, 100);
        await kit.BookAsync("shipment", product, location, 5);

        var (body, response) = await GetAsync(kit.Client, $"/v1/inventory/changes?since_token={Uri.EscapeDataString(token)}&location_id={location}");
        var items = body.GetProperty("data");
        Assert.Equal(2, items.GetArrayLength());
        var first = items[0];
        Assert.StartsWith("chg_", first.GetProperty("change_id").GetString());
        Assert.Equal("quantity_update", first.GetProperty("change_type").GetString());
        Assert.Equal(product, first.GetProperty("product_id").GetString());
        Assert.Equal(location, first.GetProperty("location_id").GetString());
        Assert.Equal(0m, first.GetProperty("previous_value").GetDecimal());
        Assert.Equal(100m, first.GetProperty("current_value").GetDecimal());
        Assert.Equal(receipt.GetProperty("id").GetString(), first.GetProperty("transaction_id").GetString());
        Assert.Equal(95m, items[1].GetProperty("current_value").GetDecimal());
        var meta = body.GetProperty("meta");
        Assert.Equal(items[1].GetProperty("changed_at").GetString(), meta.GetProperty("last_change_at").GetString());
        Assert.True(meta.GetProperty("next_poll_after").GetDateTime() > DateTime.UtcNow);
        var next = meta.GetProperty("next_sync_token").GetString()!;
        Assert.Equal(next, Assert.Single(response.Headers.GetValues("X-Next-Sync-Token")));
        response.Dispose();

        // The same position through the X-Sync-Token header; then nothing new.
        using var viaHeader = new HttpRequestMessage(HttpMethod.Get, "/v1/inventory/changes");
        viaHeader.Headers.Add("X-Sync-Token", token);
        using var headerResponse = await kit.Client.SendAsync(viaHeader);
        Assert.Equal(2, (await Envelopes.SuccessAsync(headerResponse)).GetArrayLength());
        var (empty, emptyResponse) = await GetAsync(kit.Client, $"/v1/inventory/changes?since_token={Uri.EscapeDataString(next)}");
        emptyResponse.Dispose();
        Assert.Equal(0, empty.GetProperty("data").GetArrayLength());

        var (byTime, timeResponse) = await GetAsync(kit.Client, $"/v1/inventory/changes?since={Uri.EscapeDataString(DateTime.UtcNow.AddMinutes(-10).ToString("O"))}");
        timeResponse.Dispose();
        Assert.Equal(2, byTime.GetProperty("data").GetArrayLength());
    }

    [Theory]
    [InlineData("")]
    [InlineData("?since=yesterday")]
    [InlineData("?since_token=st1.eyJPIjoib3JnX3giLCJTIjoxfQ.AAAA")]
    [InlineData("?since_token=garbage")]
    [InlineData("?limit=0")]
    public async Task Changes_without_a_valid_start_are_a_400_envelope(string query)
    {
        var kit = await StockKit.NewTenantAsync();
        using var response = await kit.Client.GetAsync("/v1/inventory/changes" + query);
        await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
    }

    [Fact]
    public async Task A_tampered_or_foreign_sync_token_is_refused()
    {
        var kit = await StockKit.NewTenantAsync();
        var other = await StockKit.NewTenantAsync(kit.Api);
        await kit.ProductAsync();
        var token = await ListTokenAsync(kit.Client);
        var parts = token.Split('.');
        // An earlier position (0; the token's is at least 1) under the genuine signature.
        var forgedPayload = Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new { O = kit.Tenant.OrganizationId, S = 0 })).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        foreach (var bad in new[] { $"{parts[0]}.{forgedPayload}.{parts[2]}", token[..^2] + (token[^2] == 'A' ? "BB" : "AA") })
        {
            using var response = await kit.Client.GetAsync($"/v1/inventory/delta?since_token={Uri.EscapeDataString(bad)}");
            var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
            Assert.True(error.GetProperty("details").TryGetProperty("since_token", out _));
        }

        using var foreign = await other.Client.GetAsync($"/v1/inventory/changes?since_token={Uri.EscapeDataString(token)}");
        await Envelopes.ErrorAsync(foreign, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
    }

    [Fact]
    public async Task A_mobile_device_resumes_from_the_last_token_it_was_given()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        var device = "device-" + Guid.NewGuid().ToString("N");
        using var phone = kit.Tenant.Client(kit.Api);
        phone.DefaultRequestHeaders.Add("X-Mobile-Device-Id", device);

        var (first, r1) = await GetAsync(phone, "/v1/inventory/delta");
        r1.Dispose();
        Assert.True(first.GetProperty("meta").GetProperty("full_sync_required").GetBoolean());
        await kit.BookAsync("receipt", product, location, 1);
        var (changes, r2) = await GetAsync(phone, "/v1/inventory/changes");
        r2.Dispose();
        Assert.Single(changes.GetProperty("data").EnumerateArray());
        var (none, r3) = await GetAsync(phone, "/v1/inventory/changes");
        r3.Dispose();
        Assert.Empty(none.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task Delta_reports_created_updated_and_soft_deleted_resources_in_their_current_state()
    {
        var kit = await StockKit.NewTenantAsync();
        var kept = await kit.ProductAsync("DELTA-KEPT");
        var (start, r0) = await GetAsync(kit.Client, "/v1/inventory/delta");
        r0.Dispose();
        Assert.True(start.GetProperty("meta").GetProperty("full_sync_required").GetBoolean());
        var token = start.GetProperty("meta").GetProperty("next_sync_token").GetString()!;

        var added = await kit.ProductAsync("DELTA-NEW");
        using (var patch = await kit.Client.PatchAsync($"/v1/products/{kept}", JsonContent.Create(new { name = "Renamed" })))
        {
            await Envelopes.SuccessAsync(patch);
        }

        var doomed = await kit.ProductAsync("DELTA-GONE");
        using (var delete = await kit.Client.DeleteAsync($"/v1/products/{doomed}"))
        {
            Assert.True(delete.IsSuccessStatusCode);
        }

        var location = await kit.LocationAsync("Delta location");
        var (delta, response) = await GetAsync(kit.Client, $"/v1/inventory/delta?since_token={Uri.EscapeDataString(token)}");
        var data = delta.GetProperty("data");
        Assert.Equal(new[] { added, location }.Order(), data.GetProperty("created").EnumerateArray().Select(e => e.GetProperty("id").GetString()!).Order());
        var updated = Assert.Single(data.GetProperty("updated").EnumerateArray());
        Assert.Equal(kept, updated.GetProperty("id").GetString());
        Assert.Equal("Renamed", updated.GetProperty("name").GetString());
        var deleted = Assert.Single(data.GetProperty("deleted").EnumerateArray());
        Assert.Equal(doomed, deleted.GetProperty("id").GetString());
        Assert.True(deleted.TryGetProperty("deleted_at", out _));
        var meta = delta.GetProperty("meta");
        Assert.Equal(4, meta.GetProperty("changes_count").GetInt32());
        Assert.False(meta.GetProperty("full_sync_required").GetBoolean());
        Assert.Equal(meta.GetProperty("next_sync_token").GetString(), Assert.Single(response.Headers.GetValues("X-Next-Sync-Token")));
        response.Dispose();
    }

    [Fact]
    public async Task Delta_pages_taken_while_1000_writes_run_see_every_change_once_and_end_in_the_current_state()
    {
        var kit = await StockKit.NewTenantAsync();
        var (start, r0) = await GetAsync(kit.Client, "/v1/inventory/delta");
        r0.Dispose();
        var token = start.GetProperty("meta").GetProperty("next_sync_token").GetString()!;

        var created = new System.Collections.Concurrent.ConcurrentBag<string>();
        var writes = Task.Run(async () =>
        {
            using var gate = new SemaphoreSlim(8);
            await Task.WhenAll(Enumerable.Range(0, 250).Select(async i =>
            {
                await gate.WaitAsync();
                try
                {
                    var id = await kit.ProductAsync($"D-{i:0000}");
                    created.Add(id);
                    for (var n = 1; n <= 3; n++)
                    {
                        using var patch = await kit.Client.PatchAsync($"/v1/products/{id}", JsonContent.Create(new { name = $"v{n}" }));
                        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
                    }
                }
                finally
                {
                    gate.Release();
                }
            }));
        });

        var firstSeenAsCreated = new Dictionary<string, int>();
        var lastName = new Dictionary<string, string>();
        var pages = 0;
        while (true)
        {
            var done = writes.IsCompleted;
            var (page, response) = await GetAsync(kit.Client, $"/v1/inventory/delta?limit=50&since_token={Uri.EscapeDataString(token)}");
            response.Dispose();
            pages++;
            var data = page.GetProperty("data");
            foreach (var item in data.GetProperty("created").EnumerateArray())
            {
                var id = item.GetProperty("id").GetString()!;
                firstSeenAsCreated[id] = firstSeenAsCreated.GetValueOrDefault(id) + 1;
                lastName[id] = item.GetProperty("name").GetString()!;
            }

            foreach (var item in data.GetProperty("updated").EnumerateArray())
            {
                var id = item.GetProperty("id").GetString()!;
                Assert.True(firstSeenAsCreated.ContainsKey(id), $"{id} updated before it was seen created");
                lastName[id] = item.GetProperty("name").GetString()!;
            }

            Assert.Empty(data.GetProperty("deleted").EnumerateArray());
            token = page.GetProperty("meta").GetProperty("next_sync_token").GetString()!;
            if (done && !page.GetProperty("meta").GetProperty("has_more").GetBoolean())
            {
                break;
            }
        }

        await writes;
        output.WriteLine($"{pages} delta pages");
        Assert.True(pages > 5, $"only {pages} pages");
        Assert.Equal(created.Order(), firstSeenAsCreated.Keys.Order());
        Assert.All(firstSeenAsCreated, p => Assert.Equal(1, p.Value));
        Assert.All(lastName, p => Assert.Equal("v3", p.Value));
    }

    [Fact]
    public async Task Changes_respect_branch_isolation_and_never_show_another_organization()
    {
        var kit = await StockKit.NewTenantAsync();
        var other = await StockKit.NewTenantAsync(kit.Api);
        var product = await kit.ProductAsync();
        var mainLocation = await kit.LocationAsync("Main");
        using var branchResponse = await kit.Client.PostAsJsonAsync("/v1/branches", new { name = "North" });
        var north = (await Envelopes.SuccessAsync(branchResponse, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        using var northClient = kit.Tenant.Client(kit.Api, branchId: north, inventoryMode: "branch_isolated");
        using var locationResponse = await northClient.PostAsJsonAsync("/v1/locations", new { name = "North location" });
        var northLocation = (await Envelopes.SuccessAsync(locationResponse, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var token = await ListTokenAsync(northClient, "/v1/locations");

        await other.BookAsync("receipt", await other.ProductAsync(), await other.LocationAsync(), 1);
        await kit.BookAsync("receipt", product, mainLocation, 3);
        await kit.BookAsync("receipt", product, northLocation, 4);

        var (body, response) = await GetAsync(northClient, $"/v1/inventory/changes?since_token={Uri.EscapeDataString(token)}");
        response.Dispose();
        var item = Assert.Single(body.GetProperty("data").EnumerateArray());
        Assert.Equal(northLocation, item.GetProperty("location_id").GetString());
    }
}
