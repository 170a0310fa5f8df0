using Smackdab.Inventory.Tests.Integration.Integrations;
using Smackdab.Inventory.Tests.Support.Servers;

namespace Smackdab.Inventory.Tests.Integration.Observability;

/// <summary>An API host that may call loopback, and a fault server playing the external systems.</summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    public ApiFactory Api { get; private set; } = null!;

    public FaultServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Api = await ApiFactory.StartAsync(new Dictionary<string, string?>
        {
            ["Webhooks:AllowPrivateTargets"] = "true",
            // A loaded test machine can take a second to answer; slowness is not what these tests are about.
            ["Dashboard:DegradedResponseTimeMs"] = "60000",
        });
        Server = await FaultServer.StartAsync(TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Api.DisposeAsync();
    }
}

/// <summary>GET /v1/dashboard: the spec's API Integration Dashboard, from durable per-minute figures, per organization.</summary>
public sealed class DashboardTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    private static async Task<JsonElement> DashboardAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/v1/dashboard");
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        return await Envelopes.SuccessAsync(response);
    }

    /// <summary>Request records are written in the background: polls until the total reaches <paramref name="calls"/>.</summary>
    public static async Task<JsonElement> DashboardWithCallsAsync(HttpClient client, long calls)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        JsonElement data;
        do
        {
            data = await DashboardAsync(client);
            if (data.GetProperty("system_health").GetProperty("total_api_calls").GetInt64() >= calls)
            {
                return data;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);

        throw new Xunit.Sdk.XunitException($"The dashboard did not reach {calls} calls: {data}");
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
    public async Task Dashboard_counts_this_tenants_calls_errors_by_code_and_latency_over_24_hours()
    {
        var tenant = await Tenant.CreateAsync(fixture.Api);
        using var client = tenant.Client(fixture.Api);
        for (var i = 0; i < 4; i++)
        {
            using var list = await client.GetAsync("/v1/products");
            await Envelopes.ListAsync(list);
        }

        for (var i = 0; i < 2; i++)
        {
            using var missing = await client.GetAsync("/v1/products/prod_missing0000000" + i);
            await Envelopes.ErrorAsync(missing, HttpStatusCode.NotFound, "NOT_FOUND");
        }

        using var invalid = await client.PostAsJsonAsync("/v1/products", new { name = "" });
        await Envelopes.ErrorAsync(invalid, HttpStatusCode.BadRequest, "VALIDATION_FAILED");

        var data = await DashboardWithCallsAsync(client, 7);
        // Polling the dashboard is not counted: still exactly the seven calls above.
        data = await DashboardAsync(client);
        var health = data.GetProperty("system_health");
        Assert.Equal(7, health.GetProperty("total_api_calls").GetInt64());
        Assert.Equal(4, health.GetProperty("successful_calls").GetInt64());
        Assert.Equal(3, health.GetProperty("error_count").GetInt64());
        Assert.Equal(57.1, health.GetProperty("success_rate").GetDouble());
        Assert.Equal(42.9, health.GetProperty("error_rate").GetDouble());
        Assert.True(health.GetProperty("average_response_time_ms").GetDouble() > 0);
        Assert.True(health.GetProperty("p99_response_time_ms").GetDouble() >= health.GetProperty("p95_response_time_ms").GetDouble());
        Assert.Equal("All systems healthy", health.GetProperty("circuit_breaker_status").GetString());

        var errors = data.GetProperty("top_errors").EnumerateArray()
            .Select(e => (e.GetProperty("code").GetString(), e.GetProperty("count").GetInt64(), e.GetProperty("share").GetDouble())).ToList();
        Assert.Equal([("NOT_FOUND", 2L, 66.7), ("VALIDATION_FAILED", 1L, 33.3)], errors);

        var endpoints = data.GetProperty("endpoints").EnumerateArray().ToList();
        var list4 = endpoints.Single(e => e.GetProperty("route").GetString() == "v1/products" && e.GetProperty("method").GetString() == "GET");
        Assert.Equal(4, list4.GetProperty("request_volume").GetInt64());
        Assert.Equal(100, list4.GetProperty("success_rate").GetDouble());
        Assert.Equal(0, endpoints.Single(e => e.GetProperty("route").GetString() == "v1/products/{id}").GetProperty("success_rate").GetDouble());

        var timeline = data.GetProperty("timeline").EnumerateArray().ToList();
        Assert.Equal(24, timeline.Count);
        Assert.Equal(7, timeline.Sum(p => p.GetProperty("calls").GetInt64()));
        Assert.Equal(3, timeline.Sum(p => p.GetProperty("errors").GetInt64()));
        Assert.Equal(60, data.GetProperty("recent_timeline").GetArrayLength());
        Assert.Equal(7, data.GetProperty("recent_timeline").EnumerateArray().Sum(p => p.GetProperty("calls").GetInt64()));
        Assert.Equal(24, data.GetProperty("window").GetProperty("hours").GetInt32());
        Assert.Equal(0, data.GetProperty("integrations_total").GetInt32());
        Assert.Empty(data.GetProperty("critical_issues").EnumerateArray());
    }

    [Fact]
    public async Task An_open_breaker_shows_on_the_integration_and_as_a_critical_issue_and_only_to_its_tenant()
    {
        var tenant = await Tenant.CreateAsync(fixture.Api);
        using var client = tenant.Client(fixture.Api);
        var other = await Tenant.CreateAsync(fixture.Api);
        using var otherClient = other.Client(fixture.Api);

        var healthyPrefix = ConnectorFixture.Prefix();
        var failingPrefix = ConnectorFixture.Prefix();
        fixture.Server.SetDefault(failingPrefix + "/health", Fault.Answer(500));
        var healthy = await IntegrationAsync(client, "SAP", healthyPrefix);
        var failing = await IntegrationAsync(client, "QuickBooks", failingPrefix);

        using (var ok = await client.GetAsync($"/v1/integrations/{healthy}/health"))
        {
            Assert.Equal("CLOSED", (await Envelopes.SuccessAsync(ok)).GetProperty("circuit_state").GetString());
        }

        for (var i = 0; i < 3; i++)
        {
            using var check = await client.GetAsync($"/v1/integrations/{failing}/health");
            await Envelopes.SuccessAsync(check);
        }

        var data = await DashboardAsync(client);
        Assert.Equal(2, data.GetProperty("integrations_total").GetInt32());
        var integrations = data.GetProperty("integrations").EnumerateArray().ToList();
        // Most troubled first.
        Assert.Equal([failing, healthy], integrations.Select(i => i.GetProperty("id").GetString()!).ToList());
        var open = integrations[0];
        Assert.Equal("circuit_open", open.GetProperty("status").GetString());
        Assert.Equal("OPEN", open.GetProperty("circuit_state").GetString());
        // Two failed calls opened the breaker; the third was refused by it (a failed call too). Each call counts once.
        Assert.Equal(3, open.GetProperty("daily_volume").GetInt64());
        Assert.Equal(open.GetProperty("daily_volume").GetInt64(), open.GetProperty("error_count").GetInt64());
        Assert.Equal(0, open.GetProperty("success_rate").GetDouble());
        Assert.Equal("Server errors", open.GetProperty("issue").GetString());
        Assert.Equal("Check the external system, then reset the circuit breaker", open.GetProperty("action_required").GetString());
        Assert.Equal(JsonValueKind.Null, open.GetProperty("last_successful_call").ValueKind);

        var fine = integrations[1];
        Assert.Equal("healthy", fine.GetProperty("status").GetString());
        Assert.Equal("CLOSED", fine.GetProperty("circuit_state").GetString());
        Assert.Equal(1, fine.GetProperty("daily_volume").GetInt64());
        Assert.Equal(100, fine.GetProperty("success_rate").GetDouble());
        Assert.True(fine.GetProperty("average_response_time_ms").GetDouble() >= 0);
        Assert.NotEqual(JsonValueKind.Null, fine.GetProperty("last_successful_call").ValueKind);

        Assert.Equal(1, data.GetProperty("system_health").GetProperty("circuit_breakers_open").GetInt32());
        Assert.Equal("Circuit breaker open: QuickBooks", data.GetProperty("system_health").GetProperty("circuit_breaker_status").GetString());
        var issue = data.GetProperty("critical_issues").EnumerateArray().Single();
        Assert.Equal("critical", issue.GetProperty("severity").GetString());
        Assert.Equal("CIRCUIT_BREAKER_OPEN", issue.GetProperty("kind").GetString());
        Assert.Equal(failing, issue.GetProperty("integration_id").GetString());

        // The other organization sees none of it.
        var others = await DashboardAsync(otherClient);
        Assert.Equal(0, others.GetProperty("integrations_total").GetInt32());
        Assert.Empty(others.GetProperty("critical_issues").EnumerateArray());
        Assert.DoesNotContain(failing, others.GetRawText(), StringComparison.Ordinal);

        // After the reset the breaker is HALF_OPEN: degraded, a warning rather than critical.
        using var reset = await client.PostAsync($"/v1/integrations/{failing}/circuit-breaker/reset", null);
        await Envelopes.SuccessAsync(reset);
        var after = await DashboardAsync(client);
        var recovering = after.GetProperty("integrations").EnumerateArray().Single(i => i.GetProperty("id").GetString() == failing);
        Assert.Equal("degraded", recovering.GetProperty("status").GetString());
        Assert.Equal("HALF_OPEN", recovering.GetProperty("circuit_state").GetString());
        Assert.Equal("warning", after.GetProperty("critical_issues").EnumerateArray().Single().GetProperty("severity").GetString());
    }

    [Fact]
    public async Task Each_tenant_sees_only_its_own_calls()
    {
        var first = await Tenant.CreateAsync(fixture.Api);
        var second = await Tenant.CreateAsync(fixture.Api);
        using var firstClient = first.Client(fixture.Api);
        using var secondClient = second.Client(fixture.Api);
        for (var i = 0; i < 5; i++)
        {
            using var list = await firstClient.GetAsync("/v1/locations");
            await Envelopes.ListAsync(list);
        }

        using (var one = await secondClient.GetAsync("/v1/products"))
        {
            await Envelopes.ListAsync(one);
        }

        var firstData = await DashboardWithCallsAsync(firstClient, 5);
        var secondData = await DashboardWithCallsAsync(secondClient, 1);
        Assert.Equal(5, firstData.GetProperty("system_health").GetProperty("total_api_calls").GetInt64());
        Assert.Equal(1, secondData.GetProperty("system_health").GetProperty("total_api_calls").GetInt64());
        Assert.DoesNotContain(secondData.GetProperty("endpoints").EnumerateArray(), e => e.GetProperty("route").GetString() == "v1/locations");

        // A caller cannot read another organization's dashboard by naming it.
        using var crossing = new HttpRequestMessage(HttpMethod.Get, "/v1/dashboard");
        using var raw = fixture.Api.CreateClient();
        crossing.Headers.Add("X-API-Key", second.AdminKey);
        crossing.Headers.Add("X-Organization-ID", first.OrganizationId);
        using var refused = await raw.SendAsync(crossing);
        await Envelopes.ErrorAsync(refused, HttpStatusCode.Forbidden, "PERMISSION_DENIED");
    }

    [Fact]
    public async Task The_figures_are_durable_and_the_same_on_another_instance()
    {
        var tenant = await Tenant.CreateAsync(fixture.Api);
        using var client = tenant.Client(fixture.Api);
        for (var i = 0; i < 3; i++)
        {
            using var list = await client.GetAsync("/v1/products");
            await Envelopes.ListAsync(list);
        }

        var here = await DashboardWithCallsAsync(client, 3);
        await using var another = ApiFactory.StartAnotherInstance(fixture.Api, new Dictionary<string, string?> { ["Webhooks:AllowPrivateTargets"] = "true" });
        using var anotherClient = tenant.Client(another);
        var there = await DashboardAsync(anotherClient);
        Assert.Equal(here.GetProperty("system_health").GetRawText(), there.GetProperty("system_health").GetRawText());
        Assert.Equal(here.GetProperty("top_errors").GetRawText(), there.GetProperty("top_errors").GetRawText());

        // Calls answered by the second instance add to the same figures.
        using (var more = await anotherClient.GetAsync("/v1/products"))
        {
            await Envelopes.ListAsync(more);
        }

        var both = await DashboardWithCallsAsync(client, 4);
        Assert.Equal(4, both.GetProperty("system_health").GetProperty("total_api_calls").GetInt64());
    }

    [Fact]
    public async Task The_dashboard_stream_ticket_needs_the_streams_scope_opens_the_stream_and_is_not_counted()
    {
        var tenant = await Tenant.CreateAsync(fixture.Api);
        var reportsOnly = await tenant.CreateKeyAsync(fixture.Api, ["inventory.reports.read"]);
        using (var refusedClient = tenant.Client(fixture.Api, reportsOnly))
        using (var refused = await refusedClient.PostAsync("/v1/dashboard/stream-ticket", null))
        {
            var error = await Envelopes.ErrorAsync(refused, HttpStatusCode.Forbidden, "PERMISSION_DENIED");
            Assert.Contains("inventory.products.read", error.GetRawText(), StringComparison.Ordinal);
        }

        var both = await tenant.CreateKeyAsync(fixture.Api, ["inventory.reports.read", "inventory.products.read"]);
        using var client = tenant.Client(fixture.Api, both);
        using var issued = await client.PostAsync("/v1/dashboard/stream-ticket", null);
        var ticket = await Envelopes.SuccessAsync(issued, HttpStatusCode.Created);
        var streamUrl = ticket.GetProperty("stream_url").GetString()!;
        Assert.StartsWith("/v1/inventory/events/stream?ticket=stk_", streamUrl, StringComparison.Ordinal);
        var names = ticket.GetProperty("event_names").EnumerateArray().Select(n => n.GetString()).ToList();
        Assert.Contains("inventory.updated", names);
        Assert.Contains("full_sync_required", names);

        // The ticket opens the organization's stream without any header, once.
        using var anonymous = fixture.Api.CreateClient();
        using (var stream = await anonymous.GetAsync(streamUrl, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
            Assert.Equal("text/event-stream", stream.Content.Headers.ContentType?.MediaType);
        }

        using (var again = await anonymous.GetAsync(streamUrl, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
        }

        // Neither ticket request is counted, like GET /v1/dashboard: records are written in order, so once the list below is
        // counted, a ticket request would be too.
        using (var list = await client.GetAsync("/v1/products"))
        {
            await Envelopes.ListAsync(list);
        }

        var data = await DashboardAsync(client);
        for (var i = 0; i < 200 && !data.GetProperty("endpoints").EnumerateArray().Any(e => e.GetProperty("route").GetString() == "v1/products"); i++)
        {
            await Task.Delay(100);
            data = await DashboardAsync(client);
        }

        Assert.Contains(data.GetProperty("endpoints").EnumerateArray(), e => e.GetProperty("route").GetString() == "v1/products");
        Assert.DoesNotContain(data.GetProperty("endpoints").EnumerateArray(), e => e.GetProperty("route").GetString() == "v1/dashboard/stream-ticket");
    }

    [Fact]
    public async Task A_key_without_the_reports_scope_is_refused()
    {
        var tenant = await Tenant.CreateAsync(fixture.Api);
        var key = await tenant.CreateKeyAsync(fixture.Api, ["inventory.products.read"]);
        using var client = tenant.Client(fixture.Api, key);
        using var response = await client.GetAsync("/v1/dashboard");
        await Envelopes.ErrorAsync(response, HttpStatusCode.Forbidden, "PERMISSION_DENIED");
    }
}
