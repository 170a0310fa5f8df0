namespace Smackdab.Inventory.Tests.Integration.Ledger;

/// <summary>Small helpers over the real HTTP API for ledger tests: make products and locations, book stock, read balances, audit.</summary>
public sealed class StockKit(ApiFactory api, Tenant tenant)
{
    public ApiFactory Api { get; } = api;

    public Tenant Tenant { get; } = tenant;

    public HttpClient Client { get; } = tenant.Client(api);

    public static async Task<StockKit> NewTenantAsync(ApiFactory? api = null)
    {
        api ??= await SharedApi.GetAsync();
        return new StockKit(api, await Tenant.CreateAsync(api));
    }

    public async Task<string> ProductAsync(string? sku = null, object? units = null)
    {
        using var response = await Client.PostAsJsonAsync("/v1/products", new { sku = sku ?? "SKU-" + Guid.NewGuid().ToString("N")[..10], name = "Stock test product", units });
        return (await Envelopes.SuccessAsync(response, HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }

    public async Task<string> LocationAsync(string name = "Warehouse", string? group = null)
    {
        using var response = await Client.PostAsJsonAsync("/v1/locations", new { name, location_group = group });
        return (await Envelopes.SuccessAsync(response, HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }

    public Task<HttpResponseMessage> PostAsync(string type, string product, string location, decimal value, string? uom = null, object? unitCost = null, string? reason = null) =>
        Client.PostAsJsonAsync("/v1/inventory/transactions", new
        {
            transaction_type = type,
            product_id = product,
            location_id = location,
            quantity = new { value, uom },
            unit_cost = unitCost,
            reason_code = reason,
        });

    public async Task<JsonElement> BookAsync(string type, string product, string location, decimal value, string? uom = null, object? unitCost = null, string? reason = null)
    {
        using var response = await PostAsync(type, product, location, value, uom, unitCost, reason);
        return await Envelopes.SuccessAsync(response, HttpStatusCode.Created);
    }

    /// <summary>(on_hand, allocated, available) of one product at one location, read through the API.</summary>
    public async Task<(decimal OnHand, decimal Allocated, decimal Available)> BalanceAsync(string product, string location)
    {
        using var response = await Client.GetAsync($"/v1/products/{product}/inventory");
        var (items, _) = await Envelopes.ListAsync(response);
        var row = items.EnumerateArray().FirstOrDefault(r => r.GetProperty("location_id").GetString() == location);
        return row.ValueKind == JsonValueKind.Undefined
            ? (0, 0, 0)
            : (row.GetProperty("on_hand").GetDecimal(), row.GetProperty("allocated").GetDecimal(), row.GetProperty("available").GetDecimal());
    }

    public async Task<int> LedgerCountAsync(string? product = null)
    {
        using var response = await Client.GetAsync("/v1/inventory/transactions?pageSize=1" + (product is null ? "" : $"&product_id={product}"));
        return (await Envelopes.ListAsync(response)).Pagination.GetProperty("total").GetInt32();
    }

    /// <summary>Asserts that the audit recomputes every balance from the ledger without a single mismatch.</summary>
    public async Task AssertAuditCleanAsync()
    {
        using var response = await Client.GetAsync("/v1/inventory/audit");
        var report = await Envelopes.SuccessAsync(response);
        Assert.True(report.GetProperty("consistent").GetBoolean(), "audit found mismatches: " + report.GetProperty("mismatches"));
        Assert.Equal(0, report.GetProperty("mismatches").GetArrayLength());
    }
}
