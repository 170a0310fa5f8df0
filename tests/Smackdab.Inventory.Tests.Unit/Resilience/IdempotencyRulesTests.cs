using System.Text;
using Microsoft.AspNetCore.Http;
using Smackdab.Inventory.Api.Idempotency;
using Smackdab.Inventory.Domain.Features.Idempotency;
using Xunit;

namespace Smackdab.Inventory.Tests.Unit.Resilience;

public sealed class IdempotencyRulesTests
{
    [Theory]
    [InlineData("POST", "/v1/inventory/transactions", true, true)]
    [InlineData("POST", "/v1/inventory/transactions/batch", true, true)]
    [InlineData("POST", "/v1/inventory/transfers/txf_1/commit", true, true)]
    [InlineData("POST", "/V1/Inventory/allocations", true, true)]
    [InlineData("POST", "/v1/inventory/transactions", false, false)]
    [InlineData("PATCH", "/v1/inventory/transactions/txn_1", true, false)]
    [InlineData("DELETE", "/v1/inventory/allocations/al_1", true, false)]
    [InlineData("POST", "/v1/products", true, false)]
    [InlineData("POST", "/v1/inventoryx", true, false)]
    [InlineData("GET", "/v1/inventory/locations", true, false)]
    public void Key_is_required_on_posts_under_the_inventory_prefix_when_the_organization_requires_it(string method, string path, bool organizationRequires, bool required) =>
        Assert.Equal(required, IdempotencyRules.IsKeyRequired(method, path, "/v1/inventory", organizationRequires));

    [Theory]
    [InlineData("POST", true)]
    [InlineData("PATCH", true)]
    [InlineData("DELETE", true)]
    [InlineData("PUT", false)]
    [InlineData("GET", false)]
    public void Keys_apply_to_post_patch_and_delete(string method, bool applies) => Assert.Equal(applies, IdempotencyRules.AppliesTo(method));

    [Theory]
    [InlineData("idem_20250128_103000_001", true)]
    [InlineData("a", true)]
    [InlineData("with space and ~!@#", true)]
    [InlineData("", false)]
    [InlineData("tab\tinside", false)]
    [InlineData("caf\u00e9", false)]
    public void Key_is_1_to_255_printable_ascii_characters(string key, bool valid) => Assert.Equal(valid, IdempotencyRules.IsValidKey(key));

    [Fact]
    public void Key_length_limit_is_255() => Assert.True(IdempotencyRules.IsValidKey(new string('k', 255)) && !IdempotencyRules.IsValidKey(new string('k', 256)));

    [Theory]
    [InlineData("Transaction created successfully", "Transaction already exists")]
    [InlineData("Product created successfully", "Product already exists")]
    [InlineData("API key created; the secret is shown only once", "API key already exists")]
    [InlineData("Product updated successfully", "Request already processed")]
    [InlineData(null, "Request already processed")]
    public void Replay_message_is_derived_from_the_original(string? original, string replay) => Assert.Equal(replay, IdempotencyRules.ReplayMessage(original));

    [Theory]
    [InlineData(201, 200)]
    [InlineData(200, 200)]
    [InlineData(202, 202)]
    public void Replay_of_a_creation_answers_200(int original, int replay) => Assert.Equal(replay, IdempotencyRules.ReplayStatus(original));

    [Fact]
    public void Request_hash_ignores_key_order_and_whitespace_but_not_values_path_or_method()
    {
        static ReadOnlyMemory<byte> B(string s) => Encoding.UTF8.GetBytes(s);
        var a = RequestHash.Compute("POST", "/v1/products", B("{\"b\":{\"y\":1,\"x\":[1,2]},\"a\":\"\\u0041\"}"));
        Assert.StartsWith("sha256:", a);
        Assert.Equal(a, RequestHash.Compute("post", "/v1/products", B(" { \"a\" : \"A\", \"b\" : { \"x\" : [ 1 , 2 ] , \"y\" : 1 } } ")));
        Assert.NotEqual(a, RequestHash.Compute("POST", "/v1/products", B("{\"b\":{\"y\":1,\"x\":[2,1]},\"a\":\"A\"}")));
        Assert.NotEqual(a, RequestHash.Compute("POST", "/v1/locations", B("{\"b\":{\"y\":1,\"x\":[1,2]},\"a\":\"A\"}")));
        Assert.NotEqual(a, RequestHash.Compute("PATCH", "/v1/products", B("{\"b\":{\"y\":1,\"x\":[1,2]},\"a\":\"A\"}")));
        Assert.NotEqual(RequestHash.Compute("POST", "/x", B("{}")), RequestHash.Compute("POST", "/x", B("{} trailing")));
        Assert.Equal(RequestHash.Compute("DELETE", "/x", B("")), RequestHash.Compute("DELETE", "/x", ReadOnlyMemory<byte>.Empty));
        // The branch and inventory mode are part of the request: the same body aimed at another branch is another request.
        Assert.NotEqual(RequestHash.Compute("POST", "/x", "branch_a\nshared", B("{}")), RequestHash.Compute("POST", "/x", "branch_b\nshared", B("{}")));
        Assert.NotEqual(RequestHash.Compute("POST", "/x", "branch_a\nshared", B("{}")), RequestHash.Compute("POST", "/x", "branch_a\nbranch_isolated", B("{}")));
    }

    [Fact]
    public void Canonical_json_sorts_keys_ordinally_at_every_depth() =>
        Assert.Equal("{\"B\":1,\"a\":{\"c\":true,\"d\":null},\"b\":[{\"x\":1,\"y\":2}]}",
            Encoding.UTF8.GetString(RequestHash.Canonicalize(Encoding.UTF8.GetBytes("{\"b\":[{\"y\":2,\"x\":1}],\"a\":{\"d\":null,\"c\":true},\"B\":1}"))));

    [Fact]
    public void Advisory_lock_id_depends_on_organization_credential_endpoint_and_key()
    {
        var id = IdempotencyStore.LockId("org_a", "key:k1", "POST /v1/products", "k");
        Assert.Equal(id, IdempotencyStore.LockId("org_a", "key:k1", "POST /v1/products", "k"));
        Assert.NotEqual(id, IdempotencyStore.LockId("org_b", "key:k1", "POST /v1/products", "k"));
        Assert.NotEqual(id, IdempotencyStore.LockId("org_a", "key:k1", "POST /v1/locations", "k"));
        Assert.NotEqual(id, IdempotencyStore.LockId("org_a", "key:k1", "POST /v1/products", "k2"));
        Assert.NotEqual(id, IdempotencyStore.LockId("org_a", "key:k2", "POST /v1/products", "k"));
    }
}
