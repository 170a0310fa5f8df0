using Npgsql;
using Smackdab.Inventory.Tests.Integration.Integrations;
using Smackdab.Inventory.Tests.Integration.Ledger;
using Smackdab.Inventory.Tests.Support.Servers;
using Smackdab.Inventory.Tests.Support.Webhooks;

namespace Smackdab.Inventory.Tests.Integration.Observability;

/// <summary>An API host that may call loopback (a fault server for connectors, a webhook receiver) and refreshes its gauges every second.</summary>
public sealed class OperationsMetricsFixture : IAsyncLifetime
{
    public ApiFactory Api { get; private set; } = null!;

    public FaultServer Server { get; private set; } = null!;

    public WebhookReceiver Receiver { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await FaultServer.StartAsync(TimeProvider.System);
        Receiver = await WebhookReceiver.StartAsync();
        Api = await ApiFactory.StartAsync(new Dictionary<string, string?>
        {
            ["Webhooks:AllowPrivateTargets"] = "true",
            ["Webhooks:PollIntervalMilliseconds"] = "50",
            ["Observability:OperationsMetricsRefreshSeconds"] = "1",
            ["Observability:DataConsistencyCheckSeconds"] = "1",
        });
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Receiver.DisposeAsync();
        await Server.DisposeAsync();
    }
}

/// <summary>
/// Connector, webhook and sync figures as Prometheus series on /metrics: scraped and parsed as Prometheus text, they move
/// after real connector calls to a loopback fault server, real webhook deliveries to a loopback receiver, and real polls and
/// stock bookings; the spec's polling_fallbacks and data_consistency on the dashboard agree with the gauges.
/// </summary>
public sealed class OperationsMetricsTests(OperationsMetricsFixture fixture) : IClassFixture<OperationsMetricsFixture>
{
    private async Task<IReadOnlyList<PrometheusSample>> ScrapeAsync()
    {
        using var anonymous = fixture.Api.CreateClient();
        using var response = await anonymous.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"/metrics answered {(int)response.StatusCode}: {text}");
        return PrometheusText.Parse(text);
    }

    /// <summary>Scrapes until <paramref name="done"/> holds: counters trail the exporter's scrape cache, gauges the refresher (1 s here).</summary>
    private async Task<IReadOnlyList<PrometheusSample>> ScrapeUntilAsync(Func<IReadOnlyList<PrometheusSample>, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        IReadOnlyList<PrometheusSample> samples;
        do
        {
            samples = await ScrapeAsync();
            if (done(samples))
            {
                return samples;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        throw new Xunit.Sdk.XunitException($"/metrics never showed {what}:\n" + string.Join("\n", samples.Where(s => s.Name.StartsWith("smackdab_integration", StringComparison.Ordinal) || s.Name.StartsWith("smackdab_webhook", StringComparison.Ordinal) || s.Name.StartsWith("smackdab_sync", StringComparison.Ordinal)).Where(s => !s.Name.EndsWith("_bucket", StringComparison.Ordinal)).Take(80).Select(s => $"{s.Name}{{{string.Join(",", s.Labels.Select(l => $"{l.Key}={l.Value}"))}}} {s.Value}")));
    }

    private static bool Has(PrometheusSample s, string name, params (string Label, string Value)[] labels) =>
        s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out var v) && v == l.Value);

    private static double? Value(IReadOnlyList<PrometheusSample> samples, string name, params (string Label, string Value)[] labels)
    {
        var matching = samples.Where(s => Has(s, name, labels)).ToList();
        return matching.Count == 0 ? null : matching.Sum(s => s.Value);
    }

    private async Task<string> IntegrationAsync(HttpClient client, string name, string prefix)
    {
        using var response = await client.PostAsJsonAsync("/v1/integrations", new
        {
            name,
            type = "accounting",
            provider = "quickbooks",
            base_url = fixture.Server.BaseUrl + prefix,
            retry_policy = new { max_attempts = 1 },
            circuit_breaker = new { failure_threshold = 2, timeout_ms = 600000 },
        });
        return (await Envelopes.SuccessAsync(response, HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task Connector_calls_errors_latency_and_breaker_state_are_series_per_integration()
    {
        var tenant = await Tenant.CreateAsync(fixture.Api);
        using var client = tenant.Client(fixture.Api);
        var healthyPrefix = ConnectorFixture.Prefix();
        var failingPrefix = ConnectorFixture.Prefix();
        fixture.Server.SetDefault(failingPrefix + "/health", Fault.Answer(500));
        var healthy = await IntegrationAsync(client, "SAP", healthyPrefix);
        var failing = await IntegrationAsync(client, "QuickBooks", failingPrefix);

        // Before any call: both breakers CLOSED, no calls counted for them.
        var before = await ScrapeUntilAsync(
            all => Value(all, "smackdab_integration_circuit_state", ("integration", healthy)) == 0
                && Value(all, "smackdab_integration_circuit_state", ("integration", failing)) == 0,
            "both breakers closed");
        Assert.Null(Value(before, "smackdab_integration_calls_total", ("integration", failing)));

        using (var ok = await client.GetAsync($"/v1/integrations/{healthy}/health"))
        {
            // A successful call: "healthy", or "degraded" when a loaded machine answers slowly.
            var health = await Envelopes.SuccessAsync(ok);
            Assert.False(health.TryGetProperty("error_class", out var errorClass) && errorClass.ValueKind != JsonValueKind.Null, health.GetRawText());
        }

        for (var i = 0; i < 3; i++)
        {
            using var check = await client.GetAsync($"/v1/integrations/{failing}/health");
            await Envelopes.SuccessAsync(check);
        }

        var samples = await ScrapeUntilAsync(
            all => Value(all, "smackdab_integration_calls_total", ("integration", failing), ("outcome", "error")) == 3
                && Value(all, "smackdab_integration_circuit_state", ("integration", failing)) == 2
                && Value(all, "smackdab_integration_calls_total", ("integration", healthy), ("outcome", "success")) == 1,
            "the calls and the open breaker");

        var success = samples.Single(s => Has(s, "smackdab_integration_calls_total", ("integration", healthy)));
        Assert.Equal(tenant.OrganizationId, success.Labels["organization"]);
        Assert.Equal("accounting", success.Labels["integration_type"]);
        Assert.Null(Value(samples, "smackdab_integration_errors_total", ("integration", healthy)));
        Assert.Equal(0, Value(samples, "smackdab_integration_circuit_state", ("integration", healthy)));

        // Two answered 500 (INTERNAL_ERROR) and opened the breaker; the third was refused by it.
        Assert.Equal(2, Value(samples, "smackdab_integration_errors_total", ("integration", failing), ("error_class", "INTERNAL_ERROR")));
        Assert.Equal(1, Value(samples, "smackdab_integration_errors_total", ("integration", failing), ("error_class", "CIRCUIT_BREAKER_OPEN")));
        Assert.Equal(2, Value(samples, "smackdab_integration_attempts_total", ("integration", failing)));

        // The latency histogram per integration and outcome.
        Assert.Equal(1, Value(samples, "smackdab_integration_call_duration_seconds_count", ("integration", healthy), ("outcome", "success")));
        Assert.Equal(3, Value(samples, "smackdab_integration_call_duration_seconds_count", ("integration", failing), ("outcome", "error")));
        Assert.Equal(1, Value(samples, "smackdab_integration_call_duration_seconds_bucket", ("integration", healthy), ("le", "+Inf")));

        // Bounded labels: ids and closed sets only, never the external system's URL or path.
        var ours = samples.Where(s => s.Name.StartsWith("smackdab_integration", StringComparison.Ordinal)).ToList();
        Assert.All(ours.SelectMany(s => s.Labels.Values), v => Assert.DoesNotContain("/", v, StringComparison.Ordinal));
        Assert.DoesNotContain(ours, s => s.Labels.ContainsKey("path") || s.Labels.ContainsKey("url"));

        // The dashboard's durable figures count the same calls.
        using (var dashboard = await client.GetAsync("/v1/dashboard"))
        {
            var integrations = (await Envelopes.SuccessAsync(dashboard)).GetProperty("integrations").EnumerateArray().ToList();
            Assert.Equal(3, integrations.Single(i => i.GetProperty("id").GetString() == failing).GetProperty("daily_volume").GetInt64());
            Assert.Equal(1, integrations.Single(i => i.GetProperty("id").GetString() == healthy).GetProperty("daily_volume").GetInt64());
        }

        // A reset shows as HALF_OPEN (1) on the next refresh.
        using var reset = await client.PostAsync($"/v1/integrations/{failing}/circuit-breaker/reset", null);
        await Envelopes.SuccessAsync(reset);
        await ScrapeUntilAsync(all => Value(all, "smackdab_integration_circuit_state", ("integration", failing)) == 1, "the breaker half-open after the reset");
    }

    [Fact]
    public async Task Webhook_attempts_latency_deliveries_and_dead_letters_are_series()
    {
        var kit = new StockKit(fixture.Api, await Tenant.CreateAsync(fixture.Api));
        var org = kit.Tenant.OrganizationId;
        var good = await SubscribeAsync(kit.Client, maxAttempts: 5);
        var dead = await SubscribeAsync(kit.Client, maxAttempts: 1);
        fixture.Receiver.Script(dead.Path, 500);

        await kit.BookAsync("receipt", await kit.ProductAsync(), await kit.LocationAsync(), 5);

        var samples = await ScrapeUntilAsync(
            all => Value(all, "smackdab_webhook_deliveries_total", ("subscription", good.Id), ("result", "delivered")) == 1
                && Value(all, "smackdab_webhook_deliveries_total", ("subscription", dead.Id), ("result", "dead_lettered")) == 1,
            "one delivered and one dead-lettered delivery");

        Assert.Single(fixture.Receiver.For(good.Path));
        Assert.Equal(1, Value(samples, "smackdab_webhook_attempts_total", ("organization", org), ("subscription", good.Id), ("outcome", "success")));
        Assert.Null(Value(samples, "smackdab_webhook_attempts_total", ("subscription", good.Id), ("outcome", "error")));
        Assert.Equal(1, Value(samples, "smackdab_webhook_attempts_total", ("organization", org), ("subscription", dead.Id), ("outcome", "error")));
        Assert.Null(Value(samples, "smackdab_webhook_deliveries_total", ("subscription", dead.Id), ("result", "delivered")));
        Assert.Equal(1, Value(samples, "smackdab_webhook_attempt_duration_seconds_count", ("organization", org), ("outcome", "success")));
        Assert.Equal(1, Value(samples, "smackdab_webhook_attempt_duration_seconds_count", ("organization", org), ("outcome", "error")));

        // No URL or event id in any webhook label.
        var ours = samples.Where(s => s.Name.StartsWith("smackdab_webhook", StringComparison.Ordinal)).ToList();
        Assert.All(ours.SelectMany(s => s.Labels.Values), v => Assert.False(v.Contains('/', StringComparison.Ordinal) || v.StartsWith("evt_", StringComparison.Ordinal), v));
    }

    [Fact]
    public async Task Polling_fallbacks_and_data_consistency_on_the_dashboard_and_as_gauges()
    {
        var kit = new StockKit(fixture.Api, await Tenant.CreateAsync(fixture.Api));
        var org = kit.Tenant.OrganizationId;
        var product = await kit.ProductAsync();
        var first = await kit.LocationAsync("First");
        var second = await kit.LocationAsync("Second");
        await kit.BookAsync("receipt", product, first, 10);
        await kit.BookAsync("receipt", product, second, 4);

        // Three polls of the change feed; a refused one (forged token) and a delta request are not polling fallbacks.
        var since = Uri.EscapeDataString(DateTime.UtcNow.AddHours(-1).ToString("O"));
        for (var i = 0; i < 3; i++)
        {
            using var poll = await kit.Client.GetAsync($"/v1/inventory/changes?since={since}");
            await Envelopes.ListAsync(poll);
        }

        using (var forged = await kit.Client.GetAsync("/v1/inventory/changes?since_token=st1.forged"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        }

        using (var delta = await kit.Client.GetAsync("/v1/inventory/delta"))
        {
            await Envelopes.SuccessAsync(delta);
        }

        // Request figures are written in the background: wait for all ten calls above, then for the polls among them.
        await DashboardTests.DashboardWithCallsAsync(kit.Client, 10);
        var sync = await SyncMetricsAsync(kit.Client, s => s.GetProperty("polling_fallbacks").GetInt64() >= 3);
        Assert.Equal(3, sync.GetProperty("polling_fallbacks").GetInt64());
        Assert.Equal(100, sync.GetProperty("data_consistency").GetDouble());
        Assert.True(sync.GetProperty("real_time_updates").GetInt32() >= 2);

        var samples = await ScrapeUntilAsync(
            all => Value(all, "smackdab_sync_polling_fallbacks_24h", ("organization", org)) == 3
                && Value(all, "smackdab_sync_data_consistency_ratio", ("organization", org)) == 1,
            "three polls and a consistent ledger");
        Assert.Equal(sync.GetProperty("real_time_updates").GetInt32(), Value(samples, "smackdab_sync_real_time_updates_24h", ("organization", org)));

        // A balance that no longer matches its ledger (written past the API, as a bug or a bad manual fix would).
        await using (var connection = new NpgsqlConnection(fixture.Api.ConnectionString))
        {
            await connection.OpenAsync();
            await using var corrupt = new NpgsqlCommand(
                "UPDATE inventory_balances SET on_hand = on_hand + 1 WHERE organization_id = @org AND location_id = @location", connection);
            corrupt.Parameters.AddWithValue("org", org);
            corrupt.Parameters.AddWithValue("location", second);
            Assert.Equal(1, await corrupt.ExecuteNonQueryAsync());
        }

        using (var response = await kit.Client.GetAsync("/v1/dashboard"))
        {
            var after = await Envelopes.SuccessAsync(response);
            Assert.Equal(50, after.GetProperty("inventory_sync_metrics").GetProperty("data_consistency").GetDouble());
        }

        await ScrapeUntilAsync(all => Value(all, "smackdab_sync_data_consistency_ratio", ("organization", org)) == 0.5, "half of the balances consistent");

        // Another organization's figures are its own: no polls, nothing booked, so no consistency figure.
        var other = await Tenant.CreateAsync(fixture.Api);
        using var otherClient = other.Client(fixture.Api);
        using var otherResponse = await otherClient.GetAsync("/v1/dashboard");
        var otherSync = (await Envelopes.SuccessAsync(otherResponse)).GetProperty("inventory_sync_metrics");
        Assert.Equal(0, otherSync.GetProperty("polling_fallbacks").GetInt64());
        Assert.Equal(JsonValueKind.Null, otherSync.GetProperty("data_consistency").ValueKind);
    }

    private static async Task<JsonElement> SyncMetricsAsync(HttpClient client, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        JsonElement sync;
        do
        {
            using var response = await client.GetAsync("/v1/dashboard");
            sync = (await Envelopes.SuccessAsync(response)).GetProperty("inventory_sync_metrics");
            if (done(sync))
            {
                return sync;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);

        throw new Xunit.Sdk.XunitException($"inventory_sync_metrics never reached the expected figures: {sync}");
    }

    private async Task<(string Id, string Path)> SubscribeAsync(HttpClient client, int maxAttempts)
    {
        var url = fixture.Receiver.NewUrl(out var path);
        using var response = await client.PostAsJsonAsync("/v1/webhooks/subscriptions", new
        {
            url,
            events = new[] { "inventory.quantity.updated" },
            retry_policy = new { max_attempts = maxAttempts },
        });
        var data = await Envelopes.SuccessAsync(response, HttpStatusCode.Created);
        return (data.GetProperty("subscription_id").GetString()!, path);
    }
}
