using System.Globalization;
using Npgsql;
using Smackdab.Inventory.Tests.Support.Webhooks;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace Smackdab.Inventory.Tests.Integration.Reliability;

/// <summary>
/// A webhook subscription to the load's transaction and quantity events, with a healthy receiver (Kestrel on loopback) that
/// answers 200 and records every request. Created before a fault test's load starts; after the fault and the recovery,
/// <see cref="DrainAsync"/> waits (bounded) until every matching event of the organization's sequence reached the receiver
/// and the API has recorded every delivery as delivered, then checks what arrived.
/// </summary>
public sealed class WebhookTap : IAsyncDisposable
{
    /// <summary>The API settings a fault test needs for its webhooks: loopback targets allowed, short poll, lease and retries.</summary>
    /// <remarks><see cref="ProcessSettings"/> has the same as environment variables for API processes.</remarks>
    public static readonly IReadOnlyDictionary<string, string?> ApiSettings = new Dictionary<string, string?>
    {
        ["Webhooks:AllowPrivateTargets"] = "true",
        ["Webhooks:PollIntervalMilliseconds"] = "50",
        // An attempt whose outcome could not be recorded is sent again once its lease lapses: keep that short.
        ["Webhooks:LeaseSeconds"] = "5",
        ["Webhooks:AttemptTimeoutSeconds"] = "2",
        ["Webhooks:ConnectTimeoutSeconds"] = "1",
        ["Webhooks:RetryBaseDelaySeconds"] = "1",
        ["Webhooks:RetryMaxDelaySeconds"] = "2",
    };

    public static IReadOnlyDictionary<string, string> ProcessSettings =>
        ApiSettings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value!);

    private static readonly string[] Patterns = ["inventory.transaction.*", "inventory.quantity.*"];

    private readonly WebhookReceiver _receiver;
    private readonly string _connectionString;
    private readonly string _organizationId;
    private readonly string _path;
    private readonly string _subscriptionId;
    private readonly string _secret;
    private readonly long _head;

    private WebhookTap(WebhookReceiver receiver, string connectionString, string organizationId, string path, string subscriptionId, string secret, long head)
    {
        _receiver = receiver;
        _connectionString = connectionString;
        _organizationId = organizationId;
        _path = path;
        _subscriptionId = subscriptionId;
        _secret = secret;
        _head = head;
    }

    /// <summary>Starts the receiver and subscribes the organization of <paramref name="client"/> to it.</summary>
    public static async Task<WebhookTap> StartAsync(HttpClient client, string connectionString, string organizationId)
    {
        var receiver = await WebhookReceiver.StartAsync();
        try
        {
            var url = receiver.NewUrl(out var path);
            var head = await HeadAsync(connectionString, organizationId);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/webhooks/subscriptions")
            {
                Content = JsonContent.Create(new
                {
                    url,
                    events = Patterns,
                    retry_policy = new { max_attempts = 20, backoff_strategy = "exponential" },
                }),
            };
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
            using var response = await client.SendAsync(request);
            var data = await Envelopes.SuccessAsync(response, HttpStatusCode.Created);
            return new WebhookTap(receiver, connectionString, organizationId, path, data.GetProperty("subscription_id").GetString()!, data.GetProperty("secret_key").GetString()!, head);
        }
        catch
        {
            await receiver.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Waits until the receiver has every matching event after the subscription's start and the API recorded every delivery
    /// as delivered (so no redelivery is still to come), or <paramref name="timeout"/> passes; then checks what arrived.
    /// </summary>
    /// <param name="from">When the drain is measured from (the load stopped).</param>
    /// <param name="timeout">How long to wait at most.</param>
    /// <param name="redeliveryWindow">
    /// When an attempt's outcome could not be recorded (with slack): the database was unavailable to the delivery worker, or
    /// the delivering process was killed. A redelivery (a second request with the same webhook-id) is allowed only for an
    /// event whose first request arrived in it. Null: the fault never kept the worker from recording, so none is allowed.
    /// </param>
    public async Task<WebhookDeliveryCheck> DrainAsync(DateTimeOffset from, TimeSpan timeout, (DateTimeOffset From, DateTimeOffset Until)? redeliveryWindow)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            var (expected, pending, orderingKeys) = await ReadAsync();
            var received = _receiver.For(_path);
            var ids = received.Select(r => r.Id).ToHashSet();
            var drained = pending == 0 && expected.Count > 0 && expected.All(e => ids.Contains(e.EventId));
            if (drained || DateTimeOffset.UtcNow > deadline)
            {
                return Check(expected, orderingKeys, received, drained ? DateTimeOffset.UtcNow - from : null, redeliveryWindow);
            }

            await Task.Delay(100);
        }
    }

    public ValueTask DisposeAsync() => _receiver.DisposeAsync();

    private WebhookDeliveryCheck Check(List<(string EventId, long Sequence)> expected, Dictionary<string, string> orderingKeys, IReadOnlyList<ReceivedWebhook> received, TimeSpan? drainTime, (DateTimeOffset From, DateTimeOffset Until)? window)
    {
        var sequenceOf = expected.ToDictionary(e => e.EventId, e => e.Sequence);
        var byId = received.GroupBy(r => r.Id).ToList();
        var verifier = new StandardWebhook(_secret);
        var badSignatures = received.Count(r =>
        {
            try
            {
                verifier.Verify(r.Body, r.Headers);
                return false;
            }
            catch (WebhookVerificationException)
            {
                return true;
            }
        });

        // Every request went to a healthy receiver, so every one counts: a repeat of a webhook-id is a redelivery.
        var redelivered = byId.Where(g => g.Count() > 1).ToList();
        var outsideWindow = redelivered.Count(g => window is not { } w || g.Min(r => r.ReceivedAt) < w.From || g.Min(r => r.ReceivedAt) > w.Until);

        // Per resource (the delivery's ordering key), first arrivals follow the event sequence.
        var outOfOrder = 0;
        foreach (var resource in byId.Where(g => sequenceOf.ContainsKey(g.Key)).GroupBy(g => orderingKeys.GetValueOrDefault(g.Key, "")))
        {
            var firstArrivals = resource.Select(g => sequenceOf[g.Key]).ToList();
            outOfOrder += firstArrivals.Zip(firstArrivals.Skip(1)).Count(p => p.Second < p.First);
        }

        return new WebhookDeliveryCheck(
            expected.Count,
            byId.Count(g => sequenceOf.ContainsKey(g.Key)),
            expected.Count(e => byId.All(g => g.Key != e.EventId)),
            byId.Count(g => !sequenceOf.ContainsKey(g.Key)),
            received.Count,
            redelivered.Sum(g => g.Count() - 1),
            outsideWindow,
            window is not null,
            badSignatures,
            byId.Count(g => g.Select(r => r.Body).Distinct().Count() > 1),
            outOfOrder,
            drainTime);
    }

    private async Task<(List<(string EventId, long Sequence)> Expected, int Pending, Dictionary<string, string> OrderingKeys)> ReadAsync()
    {
        var builder = new NpgsqlConnectionStringBuilder(_connectionString) { ApplicationName = "reliability-check", Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        var expected = new List<(string, long)>();
        // The subscription's patterns, applied here independently of the API's fan-out.
        await using (var command = new NpgsqlCommand(
            """
            SELECT event_id, sequence FROM events
            WHERE organization_id = @org AND sequence > @head
              AND (event_type LIKE 'inventory.transaction.%' OR event_type LIKE 'inventory.quantity.%')
            ORDER BY sequence
            """, connection))
        {
            command.Parameters.AddWithValue("org", _organizationId);
            command.Parameters.AddWithValue("head", _head);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                expected.Add((reader.GetString(0), reader.GetInt64(1)));
            }
        }

        var pending = 0;
        var orderingKeys = new Dictionary<string, string>();
        await using (var command = new NpgsqlCommand("SELECT event_id, ordering_key, status FROM webhook_deliveries WHERE subscription_id = @sub AND NOT is_replay", connection))
        {
            command.Parameters.AddWithValue("sub", _subscriptionId);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                orderingKeys[reader.GetString(0)] = reader.GetString(1);
                pending += reader.GetString(2) == "delivered" ? 0 : 1;
            }
        }

        return (expected, pending, orderingKeys);
    }

    private static async Task<long> HeadAsync(string connectionString, string organizationId)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "reliability-check", Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT coalesce(max(last_sequence), 0) FROM event_sequences WHERE organization_id = @org", connection);
        command.Parameters.AddWithValue("org", organizationId);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>What a fault test's webhook receiver got, against the organization's matching events.</summary>
/// <param name="Events">Matching events in the organization's sequence after the subscription started.</param>
/// <param name="Delivered">Of those, how many reached the receiver at least once.</param>
/// <param name="Missing">Matching events the receiver never got.</param>
/// <param name="Unexpected">webhook-ids the receiver got that are not a matching event of the sequence.</param>
/// <param name="Requests">Requests the receiver got in all.</param>
/// <param name="Duplicates">Requests beyond the first for a webhook-id (redeliveries).</param>
/// <param name="DuplicatesOutsideWindow">webhook-ids redelivered whose first request did not arrive while attempts could not be recorded.</param>
/// <param name="RedeliveryAllowed">The fault could keep the delivery worker from recording an attempt, so a redelivery was possible.</param>
/// <param name="BadSignatures">Requests that failed Standard Webhooks verification.</param>
/// <param name="BodyMismatches">webhook-ids sent with more than one body.</param>
/// <param name="OutOfOrder">First arrivals that came before the first arrival of an earlier event about the same resource.</param>
/// <param name="DrainTime">From the end of the load until everything was delivered and recorded; null: not within the bound.</param>
public sealed record WebhookDeliveryCheck(
    int Events,
    int Delivered,
    int Missing,
    int Unexpected,
    int Requests,
    int Duplicates,
    int DuplicatesOutsideWindow,
    bool RedeliveryAllowed,
    int BadSignatures,
    int BodyMismatches,
    int OutOfOrder,
    TimeSpan? DrainTime)
{
    public bool Held => Events > 0 && Missing == 0 && Unexpected == 0 && DuplicatesOutsideWindow == 0 && BadSignatures == 0
        && BodyMismatches == 0 && OutOfOrder == 0 && DrainTime is not null;

    public string Figures => string.Create(CultureInfo.InvariantCulture,
        $"webhooks: events {Events}, delivered {Delivered}, missing {Missing}, unexpected {Unexpected}, requests {Requests}, " +
        $"duplicates {Duplicates} ({(RedeliveryAllowed ? "allowed for attempts whose outcome could not be recorded" : "none allowed")}; outside that: {DuplicatesOutsideWindow}), " +
        $"bad signatures {BadSignatures}, out of order {OutOfOrder}, " +
        $"drained {(DrainTime is { } d ? $"{d.TotalSeconds:0.00} s after the load stopped" : "NOT within the bound")}");
}
