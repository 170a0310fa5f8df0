namespace Smackdab.Inventory.Tests.Integration.Hardening;

/// <summary>
/// Issue 8 rows 6, 7 and 14: what a branch-bound credential may see and manage (docs/guarantees.md, "Branch model").
/// One organization with its main branch and a "South" branch; an admin key bound to South.
/// </summary>
public sealed class BranchBoundaryTests(TenantFixture fixture) : IClassFixture<TenantFixture>
{
    private ApiFactory Api => fixture.Api;

    private Tenant Tenant => fixture.Tenant;

    private HttpClient Owner => fixture.Client;

    [Fact]
    public async Task A_prepared_transaction_of_one_branch_cannot_be_read_committed_or_aborted_with_a_key_bound_to_another()
    {
        var (south, southAdmin) = await SouthBranchAsync();
        var product = await CreateAsync("/v1/products", new { sku = "SKU-" + Guid.NewGuid().ToString("N")[..10], name = "Held" });
        var main = await CreateAsync("/v1/locations", new { name = "Main store", branch_id = Tenant.BranchId });
        await CreateAsync("/v1/inventory/transactions", new { transaction_type = "receipt", product_id = product, location_id = main, quantity = new { value = 10, uom = "EACH" } });
        var id = (await CreateElementAsync(Owner, "/v1/inventory/transactions/prepare", new
        {
            operations = new[] { new { type = "debit", product_id = product, location_id = main, quantity = new { value = 4, uom = "EACH" } } },
        })).GetProperty("transaction_id").GetString()!;

        using var southKey = Tenant.Client(Api, southAdmin);
        using (var read = await southKey.GetAsync($"/v1/inventory/transactions/{id}/prepared"))
        {
            await Envelopes.ErrorAsync(read, HttpStatusCode.NotFound, "NOT_FOUND");
        }

        using (var commit = await southKey.PostAsync($"/v1/inventory/transactions/{id}/commit", null))
        {
            await Envelopes.ErrorAsync(commit, HttpStatusCode.NotFound, "NOT_FOUND");
        }

        using (var abort = await southKey.PostAsync($"/v1/inventory/transactions/{id}/abort", null))
        {
            await Envelopes.ErrorAsync(abort, HttpStatusCode.NotFound, "NOT_FOUND");
        }

        // Still prepared, and the branch it belongs to can finish it.
        var mainAdmin = await Tenant.CreateKeyAsync(Api, ["inventory.admin"], Tenant.BranchId);
        using var mainKey = Tenant.Client(Api, mainAdmin);
        using var held = await mainKey.GetAsync($"/v1/inventory/transactions/{id}/prepared");
        Assert.Equal("prepared", (await Envelopes.SuccessAsync(held)).GetProperty("status").GetString());
        using var committed = await mainKey.PostAsync($"/v1/inventory/transactions/{id}/commit", null);
        Assert.Equal("committed", (await Envelopes.SuccessAsync(committed)).GetProperty("status").GetString());
        Assert.NotNull(south);
    }

    [Fact]
    public async Task A_branch_bound_admin_sees_and_revokes_only_credentials_bound_to_its_own_branch()
    {
        var (south, southAdmin) = await SouthBranchAsync();
        using var bound = Tenant.Client(Api, southAdmin);
        var organizationAdminId = await OrganizationAdminKeyIdAsync();
        var organizationClient = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var southKeyId = (await CreateElementAsync(bound, "/v1/api-keys", new { name = "south reader", scopes = new[] { "inventory.products.read" }, branch_id = south }))
            .GetProperty("id").GetString()!;
        var southClientId = (await CreateElementAsync(bound, "/v1/oauth/clients", new { name = "south app", scopes = new[] { "inventory.products.read" }, branch_id = south }))
            .GetProperty("id").GetString()!;

        using (var keys = await bound.GetAsync("/v1/api-keys?pageSize=100"))
        {
            var items = (await Envelopes.ListAsync(keys)).Items;
            Assert.All(items.EnumerateArray(), k => Assert.Equal(south, k.GetProperty("branch_id").GetString()));
            Assert.Contains(southKeyId, items.ToString());
        }

        using (var clients = await bound.GetAsync("/v1/oauth/clients?pageSize=100"))
        {
            var items = (await Envelopes.ListAsync(clients)).Items;
            Assert.All(items.EnumerateArray(), c => Assert.Equal(south, c.GetProperty("branch_id").GetString()));
            Assert.Contains(southClientId, items.ToString());
        }

        foreach (var path in new[] { $"/v1/api-keys/{organizationAdminId}", $"/v1/oauth/clients/{organizationClient.ClientId}" })
        {
            using var get = await bound.GetAsync(path);
            await Envelopes.ErrorAsync(get, HttpStatusCode.NotFound, "NOT_FOUND");
            using var delete = await bound.DeleteAsync(path);
            await Envelopes.ErrorAsync(delete, HttpStatusCode.NotFound, "NOT_FOUND");
        }

        // The organization's credentials still work; the branch's own are the bound admin's to revoke.
        using (var stillWorks = await Owner.GetAsync("/v1/api-keys"))
        {
            await Envelopes.SuccessAsync(stillWorks);
        }

        await OAuthFlows.ClientCredentialsAsync(Api, organizationClient);
        using var revokeOwnKey = await bound.DeleteAsync($"/v1/api-keys/{southKeyId}");
        Assert.NotEqual(JsonValueKind.Null, (await Envelopes.SuccessAsync(revokeOwnKey)).GetProperty("revoked_at").ValueKind);
        using var revokeOwnClient = await bound.DeleteAsync($"/v1/oauth/clients/{southClientId}");
        Assert.NotEqual(JsonValueKind.Null, (await Envelopes.SuccessAsync(revokeOwnClient)).GetProperty("revoked_at").ValueKind);
    }

    [Fact]
    public async Task A_branch_bound_admin_cannot_change_organization_settings_or_create_branches()
    {
        var (_, southAdmin) = await SouthBranchAsync();
        using var bound = Tenant.Client(Api, southAdmin);
        using var before = await Owner.GetAsync("/v1/organization/settings");
        var allowNegative = (await Envelopes.SuccessAsync(before)).GetProperty("allow_negative_inventory").GetBoolean();

        using (var patch = new HttpRequestMessage(HttpMethod.Patch, "/v1/organization/settings")
        {
            Content = JsonContent.Create(new { allow_negative_inventory = !allowNegative }),
        })
        {
            using var refused = await bound.SendAsync(patch);
            await Envelopes.ErrorAsync(refused, HttpStatusCode.Forbidden, "PERMISSION_DENIED");
        }

        using (var branch = await bound.PostAsJsonAsync("/v1/branches", new { name = "Rogue" }))
        {
            await Envelopes.ErrorAsync(branch, HttpStatusCode.Forbidden, "PERMISSION_DENIED");
        }

        using var after = await Owner.GetAsync("/v1/organization/settings");
        Assert.Equal(allowNegative, (await Envelopes.SuccessAsync(after)).GetProperty("allow_negative_inventory").GetBoolean());
        using var branches = await Owner.GetAsync("/v1/branches");
        Assert.DoesNotContain("Rogue", (await Envelopes.ListAsync(branches)).Items.ToString());

        // Reading the settings stays allowed: they govern the branch's stock too.
        using var read = await bound.GetAsync("/v1/organization/settings");
        await Envelopes.SuccessAsync(read);
    }

    [Fact]
    public async Task The_audit_of_a_branch_bound_key_covers_only_its_branchs_locations()
    {
        var (south, southAdmin) = await SouthBranchAsync();
        var product = await CreateAsync("/v1/products", new { sku = "SKU-" + Guid.NewGuid().ToString("N")[..10], name = "Audited" });
        var main = await CreateAsync("/v1/locations", new { name = "Main audit", branch_id = Tenant.BranchId });
        var southLocation = await CreateAsync("/v1/locations", new { name = "South audit", branch_id = south });
        await CreateAsync("/v1/inventory/transactions", new { transaction_type = "receipt", product_id = product, location_id = main, quantity = new { value = 5, uom = "EACH" } });
        await CreateAsync("/v1/inventory/transactions", new { transaction_type = "receipt", product_id = product, location_id = southLocation, quantity = new { value = 7, uom = "EACH" } });

        using var bound = Tenant.Client(Api, southAdmin);
        using var branchAudit = await bound.GetAsync($"/v1/inventory/audit?product_id={product}");
        var branchReport = await Envelopes.SuccessAsync(branchAudit);
        Assert.True(branchReport.GetProperty("consistent").GetBoolean(), branchReport.ToString());
        Assert.Equal(1, branchReport.GetProperty("checked_balances").GetInt32());
        Assert.Equal(1, branchReport.GetProperty("ledger_rows").GetInt64());

        using var organizationAudit = await Owner.GetAsync($"/v1/inventory/audit?product_id={product}");
        var organizationReport = await Envelopes.SuccessAsync(organizationAudit);
        Assert.Equal(2, organizationReport.GetProperty("checked_balances").GetInt32());
    }

    private async Task<(string BranchId, string AdminKey)> SouthBranchAsync()
    {
        var south = await CreateAsync("/v1/branches", new { name = "South " + Guid.NewGuid().ToString("N")[..6] });
        return (south, await Tenant.CreateKeyAsync(Api, ["inventory.admin"], south));
    }

    private async Task<string> OrganizationAdminKeyIdAsync()
    {
        using var keys = await Owner.GetAsync("/v1/api-keys?pageSize=100");
        return (await Envelopes.ListAsync(keys)).Items.EnumerateArray()
            .First(k => k.GetProperty("name").GetString() == "Admin key" && k.GetProperty("branch_id").ValueKind == JsonValueKind.Null)
            .GetProperty("id").GetString()!;
    }

    private async Task<string> CreateAsync(string path, object body) =>
        (await CreateElementAsync(Owner, path, body)).GetProperty("id").GetString()!;

    private static async Task<JsonElement> CreateElementAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PostAsJsonAsync(path, body);
        return await Envelopes.SuccessAsync(response, HttpStatusCode.Created);
    }
}
