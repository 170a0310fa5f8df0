using Npgsql;
using Smackdab.Inventory.Tests.Integration.Ledger;

namespace Smackdab.Inventory.Tests.Integration.Sync;

/// <summary>
/// An export's (and an encrypted ERP schedule's) AES key is shown once: a retry with the same Idempotency-Key replays the job
/// without the key, and the key never rests in the idempotency table (as for API key and OAuth client secrets).
/// </summary>
public sealed class ExportKeyReplayTests
{
    [Theory]
    [InlineData("/v1/inventory/exports", """{"format":"csv","encryption":"aes256"}""", "export_id")]
    [InlineData("/v1/integrations/erp/exports/schedule", """{"export_name":"replayed","schedule":"0 2 * * *","data_types":["inventory_transactions"],"format":"json","encryption":"aes256"}""", "schedule_id")]
    public async Task A_replayed_creation_does_not_show_the_encryption_key_again_and_the_key_is_never_stored(string path, string body, string idField)
    {
        var kit = await StockKit.NewTenantAsync();
        using var client = kit.Tenant.Client(kit.Api, autoIdempotencyKey: false);
        var idempotencyKey = "export-key-" + Guid.NewGuid().ToString("N");

        async Task<HttpResponseMessage> PostAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", idempotencyKey);
            var response = await client.SendAsync(request);
            await response.Content.LoadIntoBufferAsync();
            return response;
        }

        using var first = await PostAsync();
        Assert.True(first.IsSuccessStatusCode, await first.Content.ReadAsStringAsync());
        var created = (await Envelopes.ReadAsync(first)).GetProperty("data");
        var key = created.GetProperty("encryption_key").GetString()!;
        Assert.Equal(32, Convert.FromBase64String(key).Length);

        using var retry = await PostAsync();
        Assert.True(retry.IsSuccessStatusCode, retry.StatusCode.ToString()); // a replayed 201 answers 200 (IdempotencyRules.ReplayStatus)
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        var text = await retry.Content.ReadAsStringAsync();
        Assert.DoesNotContain(key, text, StringComparison.Ordinal);
        using var replay = JsonDocument.Parse(text);
        var data = replay.RootElement.GetProperty("data");
        Assert.Equal(created.GetProperty(idField).GetString(), data.GetProperty(idField).GetString());
        Assert.Equal(JsonValueKind.Null, data.GetProperty("encryption_key").ValueKind);
        Assert.Equal("data.encryption_key", replay.RootElement.GetProperty("meta").GetProperty("redacted_fields")[0].GetString());

        await using var connection = new NpgsqlConnection(kit.Api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FILTER (WHERE strpos(response_body, $2) > 0 OR strpos(response_body, $4) > 0), count(*) FILTER (WHERE strpos(response_body, $3) > 0) FROM idempotency_records WHERE organization_id = $1", connection);
        command.Parameters.AddWithValue(kit.Tenant.OrganizationId);
        command.Parameters.AddWithValue(key);
        command.Parameters.AddWithValue(created.GetProperty(idField).GetString()!);
        command.Parameters.AddWithValue(JsonSerializer.Serialize(key).Trim('"')); // as JSON escapes it ('+' is \u002B)
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(0, reader.GetInt64(0));
        Assert.Equal(1, reader.GetInt64(1));
    }
}
