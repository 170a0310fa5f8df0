using System.Net;
using System.Text;
using System.Text.Json;
using Xunit;

namespace Smackdab.Inventory.Tests.Support.Api;

/// <summary>
/// Many identical keyed requests at once, and the invariant they must keep: exactly one caller gets the original 201, every
/// other one a 200 replay of the same resource or 409 IDEMPOTENCY_IN_PROGRESS. Endpoint-agnostic, so the same race runs
/// against POST /v1/products today and POST /v1/inventory/transactions once the ledger exists.
/// </summary>
public static class IdempotencyRace
{
    public sealed record Outcome(HttpStatusCode Status, JsonElement Body, string? RetryAfter, bool Replayed);

    public static async Task<IReadOnlyList<Outcome>> SendAsync(HttpClient client, HttpMethod method, string path, string json, string key, int callers)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = Enumerable.Range(0, callers).Select(async _ =>
        {
            await start.Task;
            using var request = new HttpRequestMessage(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await client.SendAsync(request);
            var body = await Envelopes.ReadAsync(response);
            return new Outcome(
                response.StatusCode,
                body,
                response.Headers.RetryAfter?.ToString(),
                response.Headers.TryGetValues("Idempotent-Replayed", out var replayed) && replayed.Single() == "true");
        }).ToList();
        start.SetResult();
        return await Task.WhenAll(calls);
    }

    /// <summary>Asserts the invariant and returns the data of the one original response.</summary>
    public static JsonElement AssertAppliedOnce(IReadOnlyList<Outcome> outcomes)
    {
        var unexpected = outcomes.Where(o => o.Status is not (HttpStatusCode.Created or HttpStatusCode.OK or HttpStatusCode.Conflict)).ToList();
        Assert.True(unexpected.Count == 0, "Unexpected answers: " + string.Join("; ", unexpected.Select(o => $"{(int)o.Status} {o.Body}")));

        var created = Assert.Single(outcomes, o => o.Status == HttpStatusCode.Created);
        Assert.False(created.Replayed);
        var data = created.Body.GetProperty("data");
        var id = data.GetProperty("id").GetString();

        foreach (var replay in outcomes.Where(o => o.Status == HttpStatusCode.OK))
        {
            Assert.True(replay.Replayed);
            Assert.True(replay.Body.GetProperty("meta").GetProperty("idempotent").GetBoolean());
            Assert.Equal(id, replay.Body.GetProperty("data").GetProperty("id").GetString());
        }

        foreach (var busy in outcomes.Where(o => o.Status == HttpStatusCode.Conflict))
        {
            Assert.Equal("IDEMPOTENCY_IN_PROGRESS", busy.Body.GetProperty("error").GetProperty("code").GetString());
            Assert.False(string.IsNullOrEmpty(busy.RetryAfter));
        }

        return data;
    }
}
