using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;

namespace Smackdab.Inventory.Tests.Integration.Reliability;

/// <summary>One HTTP attempt of a keyed write, as the client saw it. Status 0: no HTTP answer (connection refused or reset).</summary>
public sealed record Attempt(
    int Operation,
    string Key,
    string Reference,
    bool Retrying,
    TimeSpan StartedAt,
    TimeSpan Elapsed,
    int Status,
    string? Code,
    string? TransactionId,
    bool HasRetryAfter,
    string? Failure);

/// <summary>
/// A bounded loop of concurrent keyed writes on loopback: each operation is a receipt of 1 with its own Idempotency-Key and
/// reference. Half of the workers send each operation once and move on ("one-shot"); the other half retry an operation
/// with the same key after every non-final answer (503, 409 IDEMPOTENCY_IN_PROGRESS, no answer), honouring Retry-After,
/// until it gets a final answer ("retrying", what the docs ask a client to do).
/// </summary>
public sealed class KeyedWriteLoad(Func<int, HttpClient> clientFor, string productId, string locationId, int workers = 8, int maxOperationsPerWorker = 400)
{
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan NoAnswerDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a retrying worker keeps retrying one operation (long enough for an API process to start again on a busy machine).</summary>
    public static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(120);
    private readonly ConcurrentQueue<Attempt> _attempts = new();
    private readonly Stopwatch _clock = new();
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private CancellationTokenSource? _stop;
    private Task? _running;
    private int _nextOperation;
    private DateTimeOffset _startedAtUtc;

    public IReadOnlyCollection<Attempt> Attempts => _attempts;

    /// <summary>Time since <see cref="Start"/>; the same clock as <see cref="Attempt.StartedAt"/>.</summary>
    public TimeSpan Now => _clock.Elapsed;

    /// <summary>The wall-clock time of a point on the load clock (to compare with what a webhook receiver recorded).</summary>
    public DateTimeOffset UtcAt(TimeSpan loadTime) => _startedAtUtc + loadTime;

    public string ProductId => productId;

    public string LocationId => locationId;

    public void Start()
    {
        _stop = new CancellationTokenSource();
        _startedAtUtc = DateTimeOffset.UtcNow;
        _clock.Start();
        _running = Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(() => WorkerAsync(w, retrying: w % 2 == 1, _stop.Token))));
    }

    /// <summary>Stops starting new operations; retrying workers still finish the operation they are on.</summary>
    public async Task StopAsync()
    {
        await _stop!.CancelAsync();
        await _running!;
    }

    /// <summary>Waits until some attempt that started after <paramref name="after"/> succeeded; returns when it started (null: none in time).</summary>
    public async Task<TimeSpan?> WaitForSuccessAfterAsync(TimeSpan after, TimeSpan timeout)
    {
        var deadline = Now + timeout;
        while (Now < deadline)
        {
            var first = _attempts.Where(a => a.StartedAt >= after && a.Status is >= 200 and < 300).Select(a => (TimeSpan?)a.StartedAt + a.Elapsed).Min();
            if (first is not null)
            {
                return first;
            }

            await Task.Delay(50);
        }

        return null;
    }

    private async Task WorkerAsync(int worker, bool retrying, CancellationToken stop)
    {
        for (var n = 0; n < maxOperationsPerWorker && !stop.IsCancellationRequested; n++)
        {
            var operation = Interlocked.Increment(ref _nextOperation);
            var key = $"rel-{_run}-{operation}";
            var reference = $"REL-{_run}-{operation}";
            var giveUp = Now + RetryFor;
            while (true)
            {
                var result = await SendAsync(clientFor(worker), operation, key, reference, retrying);
                _attempts.Enqueue(result);
                if (!retrying || IsFinal(result) || Now > giveUp)
                {
                    if (result.Status == 0)
                    {
                        // Nobody listening: do not spin through the operation budget.
                        await Task.Delay(NoAnswerDelay, CancellationToken.None);
                    }

                    break;
                }

                await Task.Delay(result.HasRetryAfter ? MaxRetryDelay : NoAnswerDelay, CancellationToken.None);
            }
        }
    }

    private static bool IsFinal(Attempt a) => a.Status is >= 200 and < 300 || (a.Status is >= 400 and < 500 && a.Code != "IDEMPOTENCY_IN_PROGRESS");

    private async Task<Attempt> SendAsync(HttpClient client, int operation, string key, string reference, bool retrying)
    {
        var started = Now;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/inventory/transactions")
        {
            Content = JsonContent.Create(new
            {
                transaction_type = "receipt",
                product_id = productId,
                location_id = locationId,
                quantity = new { value = 1 },
                reference,
            }),
        };
        request.Headers.Add("Idempotency-Key", key);
        try
        {
            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            string? code = null, id = null;
            try
            {
                var body = JsonDocument.Parse(text).RootElement;
                code = body.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object ? e.GetProperty("code").GetString() : null;
                id = body.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Object ? d.GetProperty("id").GetString() : null;
            }
            catch (JsonException)
            {
                code = "NOT_JSON";
            }

            return new Attempt(operation, key, reference, retrying, started, Now - started, (int)response.StatusCode, code, id, response.Headers.RetryAfter is not null, null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return new Attempt(operation, key, reference, retrying, started, Now - started, 0, null, null, false, e.GetType().Name + ": " + e.Message);
        }
    }
}

/// <summary>What the ledger holds for the load's references, read with SQL on the test's own connection.</summary>
public static class LedgerRows
{
    /// <summary>reference → transaction ids booked with it.</summary>
    public static async Task<Dictionary<string, List<string>>> ByReferenceAsync(string connectionString, string productId)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "reliability-check", Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT reference, id FROM inventory_transactions WHERE product_id = @p AND reference LIKE 'REL-%'", connection);
        command.Parameters.AddWithValue("p", productId);
        var rows = new Dictionary<string, List<string>>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var reference = reader.GetString(0);
            if (!rows.TryGetValue(reference, out var ids))
            {
                rows[reference] = ids = [];
            }

            ids.Add(reader.GetString(1));
        }

        return rows;
    }
}
