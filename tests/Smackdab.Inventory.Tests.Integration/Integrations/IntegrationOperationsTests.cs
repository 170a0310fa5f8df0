using Smackdab.Inventory.Tests.Integration.Ledger;
using Smackdab.Inventory.Tests.Support.Servers;

namespace Smackdab.Inventory.Tests.Integration.Integrations;

/// <summary>An API host allowed to call loopback, with a fast sync worker, and a fault server playing QuickBooks.</summary>
public sealed class OperationsFixture : IAsyncLifetime
{
    public ApiFactory Api { get; private set; } = null!;

    public FaultServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Api = await ApiFactory.StartAsync(new Dictionary<string, string?>
        {
            ["Webhooks:AllowPrivateTargets"] = "true",
            ["Integrations:SyncPollIntervalMilliseconds"] = "100",
            ["Integrations:SyncRetrySeconds"] = "1",
        });
        Server = await FaultServer.StartAsync(TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Api.DisposeAsync();
    }
}

/// <summary>The spec's QuickBooks recovery, step by step over HTTP, and the operations' edges.</summary>
public sealed class IntegrationOperationsTests(OperationsFixture fixture) : IClassFixture<OperationsFixture>
{
    private FaultServer Server => fixture.Server;

    private async Task<(StockKit Kit, List<string> TransactionIds, DateTime Since)> LedgerWithRowsAsync(int rows)
    {
        var kit = new StockKit(fixture.Api, await Tenant.CreateAsync(fixture.Api));
        var since = DateTime.UtcNow.AddSeconds(-1);
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        var ids = new List<string>();
        for (var i = 0; i < rows; i++)
        {
            ids.Add((await kit.BookAsync("receipt", product, location, 10 + i)).GetProperty("id").GetString()!);
        }

        return (kit, ids, since);
    }

    private async Task<string> CreateAsync(HttpClient client, string prefix, object? authentication = null, object? breaker = null)
    {
        using var response = await client.PostAsJsonAsync("/v1/integrations", new
        {
            name = "QuickBooks " + prefix,
            type = "accounting",
            provider = "quickbooks",
            base_url = Server.BaseUrl + prefix,
            health_path = "/health",
            events_path = "/inventory-events",
            retry_policy = new { max_attempts = 1 },
            circuit_breaker = breaker ?? new { failure_threshold = 2, timeout_ms = 600000 },
            authentication,
        });
        return (await Envelopes.SuccessAsync(response, HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement> WaitForJobAsync(HttpClient client, string integration, string job, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonElement data;
        do
        {
            using var response = await client.GetAsync($"/v1/integrations/{integration}/sync/jobs/{job}");
            data = await Envelopes.SuccessAsync(response);
            if (data.GetProperty("status").GetString() == status)
            {
                return data;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);

        throw new Xunit.Sdk.XunitException($"Sync job {job} did not reach {status}: {data}");
    }

    [Fact]
    public async Task QuickBooks_recovery_refresh_reset_health_and_resumed_sync_push_the_backlog_in_order_once()
    {
        var (kit, transactions, since) = await LedgerWithRowsAsync(3);
        var client = kit.Client;
        var prefix = ConnectorFixture.Prefix();
        var id = await CreateAsync(client, prefix, new
        {
            type = "oauth2", token_url = Server.BaseUrl + "/oauth/token", client_id = "qb_client_789", client_secret = "qb_secret_012", refresh_token = "rt_abc123def456",
        });

        // 06:30 — the refresh token has expired: every call fails authentication, and the breaker opens.
        Server.TokenEndpointStatus = 400;
        try
        {
            using var first = await client.GetAsync($"/v1/integrations/{id}/health");
            var degraded = await Envelopes.SuccessAsync(first);
            Assert.Equal("degraded", degraded.GetProperty("status").GetString());
            Assert.Equal("AUTHENTICATION_FAILED", degraded.GetProperty("error_class").GetString());

            using var second = await client.GetAsync($"/v1/integrations/{id}/health");
            Assert.Equal("circuit_open", (await Envelopes.SuccessAsync(second)).GetProperty("status").GetString());

            var tokenCalls = Server.TokenRequests.Count;
            using var third = await client.GetAsync($"/v1/integrations/{id}/health");
            Assert.Equal("circuit_open", (await Envelopes.SuccessAsync(third)).GetProperty("status").GetString());
            Assert.Equal(tokenCalls, Server.TokenRequests.Count);

            using var refused = await client.PostAsJsonAsync($"/v1/integrations/{id}/sync/resume", new { sync_from = since, priority = "high" });
            var error = await Envelopes.ErrorAsync(refused, HttpStatusCode.ServiceUnavailable, "CIRCUIT_BREAKER_OPEN");
            Assert.Equal("Service temporarily unavailable", error.GetProperty("message").GetString());
            var details = error.GetProperty("details");
            Assert.Equal("OPEN", details.GetProperty("circuit_state").GetString());
            Assert.Equal(2, details.GetProperty("failure_count").GetInt32());
            var lastFailure = details.GetProperty("last_failure_at").GetDateTime();
            Assert.Equal(lastFailure.AddMinutes(10), details.GetProperty("retry_after").GetDateTime(), TimeSpan.FromSeconds(1));
            Assert.NotNull(refused.Headers.RetryAfter);

            using var breaker = await client.GetAsync($"/v1/integrations/{id}/circuit-breaker");
            var state = await Envelopes.SuccessAsync(breaker);
            Assert.Equal("OPEN", state.GetProperty("circuit_state").GetString());
            Assert.Equal("AUTHENTICATION_FAILED", state.GetProperty("last_failure_class").GetString());
        }
        finally
        {
            Server.TokenEndpointStatus = null;
        }

        // 8:10 — OAuth token refresh with a new refresh token from the QuickBooks console.
        using var refresh = await client.PostAsJsonAsync($"/v1/integrations/{id}/auth/refresh", new { refresh_token = "rt_from_console", client_id = "qb_client_789", client_secret = "qb_secret_012" });
        var tokens = await Envelopes.SuccessAsync(refresh);
        Assert.Equal(Server.AcceptedToken, tokens.GetProperty("access_token").GetString());
        Assert.Equal(Server.LastIssuedRefreshToken, tokens.GetProperty("refresh_token").GetString());
        Assert.Equal(3600, tokens.GetProperty("expires_in").GetInt32());
        Assert.Equal("Bearer", tokens.GetProperty("token_type").GetString());
        Assert.Equal("rt_from_console", Server.TokenRequests[^1]["refresh_token"]);

        // 8:15 — circuit breaker reset.
        using var reset = await client.PostAsync($"/v1/integrations/{id}/circuit-breaker/reset", null);
        var resetData = await Envelopes.SuccessAsync(reset);
        Assert.Equal("HALF_OPEN", resetData.GetProperty("circuit_state").GetString());
        Assert.Equal(3, resetData.GetProperty("test_calls_allowed").GetInt32());
        Assert.Equal("5 minutes", resetData.GetProperty("monitoring_window").GetString());

        // 8:16 — health check.
        using var health = await client.GetAsync($"/v1/integrations/{id}/health");
        var healthy = await Envelopes.SuccessAsync(health);
        Assert.Equal("healthy", healthy.GetProperty("status").GetString());
        Assert.True(healthy.GetProperty("response_time_ms").GetInt32() >= 0);
        Assert.NotEqual(JsonValueKind.Null, healthy.GetProperty("last_successful_call").ValueKind);

        // 8:20 — resume the data sync from 06:30.
        using var resume = await client.PostAsJsonAsync($"/v1/integrations/{id}/sync/resume", new { sync_from = since, priority = "high" });
        var job = await Envelopes.SuccessAsync(resume, HttpStatusCode.Accepted);
        var jobId = job.GetProperty("sync_job_id").GetString()!;
        Assert.StartsWith("sync_", jobId);
        Assert.Equal(3, job.GetProperty("records_to_sync").GetInt32());
        Assert.Contains(job.GetProperty("status").GetString(), new[] { "processing", "completed" });
        Assert.NotEqual(JsonValueKind.Null, job.GetProperty("estimated_completion").ValueKind);
        Assert.Equal($"/v1/integrations/{id}/sync/jobs/{jobId}", resume.Headers.Location?.ToString());

        var done = await WaitForJobAsync(client, id, jobId, "completed");
        Assert.Equal(3, done.GetProperty("records_synced").GetInt32());
        Assert.Equal(100, done.GetProperty("progress_percent").GetDouble());

        var pushed = Server.Received.Where(r => r.Path == prefix + "/inventory-events").ToList();
        Assert.Equal(transactions, pushed.Select(p => JsonDocument.Parse(p.Body).RootElement.GetProperty("data").GetProperty("transaction_id").GetString()!).ToList());
        Assert.Equal(3, pushed.Select(p => p.Headers["Idempotency-Key"]).Distinct().Count());
        Assert.All(pushed, p => Assert.Equal("Bearer " + tokens.GetProperty("access_token").GetString(), p.Headers["Authorization"]));

        using var closed = await client.GetAsync($"/v1/integrations/{id}/circuit-breaker");
        Assert.Equal("CLOSED", (await Envelopes.SuccessAsync(closed)).GetProperty("circuit_state").GetString());
        using var integration = await client.GetAsync($"/v1/integrations/{id}");
        Assert.NotEqual(JsonValueKind.Null, (await Envelopes.SuccessAsync(integration)).GetProperty("last_sync_at").ValueKind);
    }

    [Fact]
    public async Task A_failed_push_pauses_the_sync_which_resumes_from_its_cursor_without_duplicates()
    {
        var (kit, transactions, since) = await LedgerWithRowsAsync(3);
        var prefix = ConnectorFixture.Prefix();
        var id = await CreateAsync(kit.Client, prefix, breaker: new { failure_threshold = 100 });
        Server.Enqueue(prefix + "/inventory-events", Fault.Ok(), Fault.Answer(500));

        using var resume = await kit.Client.PostAsJsonAsync($"/v1/integrations/{id}/sync/resume", new { sync_from = since });
        var jobId = (await Envelopes.SuccessAsync(resume, HttpStatusCode.Accepted)).GetProperty("sync_job_id").GetString()!;
        var done = await WaitForJobAsync(kit.Client, id, jobId, "completed");

        Assert.Equal(3, done.GetProperty("records_synced").GetInt32());
        var pushed = Server.Received.Where(r => r.Path == prefix + "/inventory-events")
            .Select(p => JsonDocument.Parse(p.Body).RootElement.GetProperty("data").GetProperty("transaction_id").GetString()!).ToList();
        // The second row failed once and was sent again; nothing was skipped and nothing accepted was sent twice.
        Assert.Equal([transactions[0], transactions[1], transactions[1], transactions[2]], pushed);
    }

    [Fact]
    public async Task Operations_validate_their_input()
    {
        var kit = await StockKit.NewTenantAsync(fixture.Api);
        var id = await CreateAsync(kit.Client, ConnectorFixture.Prefix());

        using var noFrom = await kit.Client.PostAsJsonAsync($"/v1/integrations/{id}/sync/resume", new { priority = "high" });
        Assert.True((await Envelopes.ErrorAsync(noFrom, HttpStatusCode.BadRequest, "VALIDATION_FAILED")).GetProperty("details").TryGetProperty("sync_from", out _));
        using var badPriority = await kit.Client.PostAsJsonAsync($"/v1/integrations/{id}/sync/resume", new { sync_from = DateTime.UtcNow, priority = "urgent" });
        Assert.True((await Envelopes.ErrorAsync(badPriority, HttpStatusCode.BadRequest, "VALIDATION_FAILED")).GetProperty("details").TryGetProperty("priority", out _));
        using var future = await kit.Client.PostAsJsonAsync($"/v1/integrations/{id}/sync/resume", new { sync_from = DateTime.UtcNow.AddDays(1) });
        await Envelopes.ErrorAsync(future, HttpStatusCode.BadRequest, "VALIDATION_FAILED");

        using var notOAuth = await kit.Client.PostAsJsonAsync($"/v1/integrations/{id}/auth/refresh", new { });
        await Envelopes.ErrorAsync(notOAuth, HttpStatusCode.Conflict, "CONFLICT");
        using var unknownJob = await kit.Client.GetAsync($"/v1/integrations/{id}/sync/jobs/sync_0000000000000000");
        await Envelopes.ErrorAsync(unknownJob, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Another_organization_cannot_operate_an_integration()
    {
        var kit = await StockKit.NewTenantAsync(fixture.Api);
        var prefix = ConnectorFixture.Prefix();
        var id = await CreateAsync(kit.Client, prefix);
        var other = await Tenant.CreateAsync(fixture.Api);
        using var client = other.Client(fixture.Api);

        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
        {
            (HttpMethod.Get, "circuit-breaker", null),
            (HttpMethod.Post, "circuit-breaker/reset", null),
            (HttpMethod.Get, "health", null),
            (HttpMethod.Post, "auth/refresh", new { }),
            (HttpMethod.Post, "sync/resume", new { sync_from = DateTime.UtcNow.AddHours(-1) }),
            (HttpMethod.Get, "sync/jobs", null),
        })
        {
            using var request = new HttpRequestMessage(method, $"/v1/integrations/{id}/{path}") { Content = body is null ? null : JsonContent.Create(body) };
            using var response = await client.SendAsync(request);
            await Envelopes.ErrorAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
        }

        Assert.Equal(0, Server.Received.Count(r => r.Path.StartsWith(prefix, StringComparison.Ordinal)));
    }
}
