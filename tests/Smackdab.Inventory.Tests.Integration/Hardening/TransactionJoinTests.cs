using Microsoft.Extensions.DependencyInjection;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.OAuth;
using Smackdab.Inventory.Domain.Features.SigningKeys;

namespace Smackdab.Inventory.Tests.Integration.Hardening;

/// <summary>
/// Issue 8 row 1: services join the transaction the idempotency middleware (or any caller) already opened instead of opening
/// a second one, which PostgreSQL refuses on the same connection.
/// </summary>
public sealed class TransactionJoinTests(TenantFixture fixture) : IClassFixture<TenantFixture>
{
    private ApiFactory Api => fixture.Api;

    private Tenant Tenant => fixture.Tenant;

    [Fact]
    public async Task Revoking_an_oauth_client_with_an_idempotency_key_revokes_it_and_a_retry_replays()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var tokens = await OAuthFlows.AuthorizationCodeFlowAsync(Api, client, Tenant.AdminKey);
        var key = "revoke_" + Guid.NewGuid().ToString("N");

        using var first = await DeleteWithKeyAsync($"/v1/oauth/clients/{client.ClientId}", key);
        var revoked = await Envelopes.SuccessAsync(first);
        Assert.NotEqual(JsonValueKind.Null, revoked.GetProperty("revoked_at").ValueKind);

        using var retry = await DeleteWithKeyAsync($"/v1/oauth/clients/{client.ClientId}", key);
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(revoked.GetProperty("revoked_at").GetString(), (await Envelopes.SuccessAsync(retry)).GetProperty("revoked_at").GetString());

        // The revocation committed: the secret and the refresh token are dead.
        using var cc = await OAuthFlows.PostFormAsync(Api, "/oauth/token", new Dictionary<string, string> { ["grant_type"] = "client_credentials" }, client);
        await OAuthFlows.ReadOAuthErrorAsync(cc, HttpStatusCode.Unauthorized, "invalid_client");
        using var get = await fixture.Client.GetAsync($"/v1/oauth/clients/{client.ClientId}");
        Assert.NotEqual(JsonValueKind.Null, (await Envelopes.SuccessAsync(get)).GetProperty("revoked_at").ValueKind);
        Assert.NotNull(tokens.RefreshToken);
    }

    [Fact]
    public async Task Refresh_token_rotation_joins_an_open_transaction_and_rolls_back_with_it()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var tokens = await OAuthFlows.AuthorizationCodeFlowAsync(Api, client, Tenant.AdminKey);

        await using (var scope = Api.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
            var grants = scope.ServiceProvider.GetRequiredService<OAuthGrantService>();
            var registered = await grants.FindActiveClientAsync(client.ClientId, default);
            await using var outer = await db.BeginOrJoinTransactionAsync(default);
            Assert.True(outer.IsOwner);

            var rotated = await grants.RefreshAsync(registered!, tokens.RefreshToken, null, default);
            Assert.NotNull(rotated.RefreshToken);
            await outer.RollbackAsync(default);
        }

        // The outer transaction rolled back, so the rotation with it: the original refresh token is still unused.
        using var refresh = await OAuthFlows.PostFormAsync(Api, "/oauth/token",
            new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = tokens.RefreshToken! }, client);
        var next = await OAuthFlows.ReadTokensAsync(refresh);
        Assert.NotEqual(tokens.RefreshToken, next.RefreshToken);
    }

    [Fact]
    public async Task Signing_key_rotation_joins_an_open_transaction_and_rolls_back_with_it()
    {
        await using var scope = Api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        var keys = scope.ServiceProvider.GetRequiredService<SigningKeyService>();
        var before = (await keys.GetPublishedAsync(default))[0].Id;

        await using (var outer = await db.BeginOrJoinTransactionAsync(default))
        {
            var created = await keys.RotateNowAsync(2048, default);
            Assert.NotEqual(before, created.Id);
            await outer.RollbackAsync(default);
        }

        Assert.Equal(before, (await keys.GetPublishedAsync(default))[0].Id);
    }

    private async Task<HttpResponseMessage> DeleteWithKeyAsync(string path, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, path);
        request.Headers.Add("Idempotency-Key", key);
        return await fixture.Client.SendAsync(request);
    }
}
