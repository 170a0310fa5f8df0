using Smackdab.Inventory.Tests.Integration.Ledger;

namespace Smackdab.Inventory.Tests.Integration.Events;

public sealed class StreamTicketTests
{
    private static async Task<string> TicketAsync(HttpClient client)
    {
        using var response = await client.PostAsync("/v1/stream-tickets", null);
        var data = await Envelopes.SuccessAsync(response, HttpStatusCode.Created);
        Assert.True(data.GetProperty("expires_in_seconds").GetInt32() is > 0 and <= 300);
        var ticket = data.GetProperty("ticket").GetString()!;
        Assert.StartsWith("stk_", ticket);
        Assert.Equal($"/v1/inventory/events/stream?ticket={ticket}", data.GetProperty("stream_url").GetString());
        return ticket;
    }

    [Fact]
    public async Task A_browser_opens_the_stream_with_a_ticket_and_no_headers_and_the_ticket_works_once()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        var ticket = await TicketAsync(kit.Client);
        using var browser = kit.Api.CreateClient();

        await using (var sse = await SseClient.ConnectAsync(browser, $"/v1/inventory/events/stream?ticket={ticket}"))
        {
            await kit.BookAsync("receipt", product, location, 2);
            var first = await sse.NextAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(kit.Tenant.OrganizationId, first!.Json.GetProperty("organization_id").GetString());
        }

        using var again = await browser.GetAsync($"/v1/inventory/events/stream?ticket={ticket}", HttpCompletionOption.ResponseHeadersRead);
        await Envelopes.ErrorAsync(again, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
    }

    [Fact]
    public async Task A_ticket_opens_nothing_but_streams_and_an_api_key_is_never_accepted_in_a_url()
    {
        var kit = await StockKit.NewTenantAsync();
        using var browser = kit.Api.CreateClient();

        using var products = await browser.GetAsync($"/v1/products?ticket={await TicketAsync(kit.Client)}");
        await Envelopes.ErrorAsync(products, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");

        foreach (var name in new[] { "api_key", "X-API-Key", "key", "access_token" })
        {
            using var response = await browser.GetAsync($"/v1/inventory/events/stream?{name}={kit.Tenant.AdminKey}&X-Organization-ID={kit.Tenant.OrganizationId}", HttpCompletionOption.ResponseHeadersRead);
            await Envelopes.ErrorAsync(response, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
        }

        using var forged = await browser.GetAsync("/v1/inventory/events/stream?ticket=stk_forged0000000000000000000000000000000", HttpCompletionOption.ResponseHeadersRead);
        await Envelopes.ErrorAsync(forged, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
    }

    [Fact]
    public async Task A_ticket_keeps_the_issuers_organization_and_branch_isolation_and_scopes()
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

        using var browser = kit.Api.CreateClient();
        await using var sse = await SseClient.ConnectAsync(browser, $"/v1/inventory/events/stream?ticket={await TicketAsync(northClient)}");
        await other.BookAsync("receipt", await other.ProductAsync(), await other.LocationAsync(), 1);
        await kit.BookAsync("receipt", product, mainLocation, 3);
        await kit.BookAsync("receipt", product, northLocation, 4);
        var events = await sse.TakeAsync(2, TimeSpan.FromSeconds(20));
        Assert.All(events, e => Assert.Equal(northLocation, e.Json.GetProperty("data").GetProperty("location_id").GetString()));

        // A key without the stream's scope cannot get a ticket that has it.
        var reportsOnly = await kit.Tenant.CreateKeyAsync(kit.Api, ["inventory.reports.read"]);
        using var limited = kit.Tenant.Client(kit.Api, reportsOnly);
        using var refused = await limited.PostAsync("/v1/stream-tickets", null);
        await Envelopes.ErrorAsync(refused, HttpStatusCode.Forbidden, "PERMISSION_DENIED");
    }
}
