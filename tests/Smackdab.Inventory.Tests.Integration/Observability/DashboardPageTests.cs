using System.Globalization;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Tests.Integration.Integrations;
using Smackdab.Inventory.Tests.Support.Servers;

namespace Smackdab.Inventory.Tests.Integration.Observability;

/// <summary>
/// The /dashboard page in headless Chromium, used as operations staff use it: paste the key, read the figures, press
/// Reset on an open breaker. The API runs as a real process on a loopback port for the browser to reach.
/// </summary>
public sealed class DashboardPageTests(Xunit.Abstractions.ITestOutputHelper output)
{
    // The page formats counts with toLocaleString('en-US'): groups of three separated by commas, as the invariant culture does.
    private static string Count(JsonElement n) => n.GetInt64().ToString("#,0", CultureInfo.InvariantCulture);

    private static string Percent(JsonElement v) => v.ValueKind == JsonValueKind.Null ? "–" : v.GetDouble().ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static string Ms(JsonElement v) => v.ValueKind == JsonValueKind.Null ? "–" : v.GetDouble().ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    [Fact]
    public async Task The_page_shows_the_apis_figures_and_its_reset_button_half_opens_an_open_breaker()
    {
        await using var server = await FaultServer.StartAsync(TimeProvider.System);
        var postgres = await PostgresServer.GetAsync();
        var connectionString = await postgres.CreateDatabaseAsync("smackdab_page_" + PublicId.RandomToken(10).ToLowerInvariant());
        var platformKey = "plat_" + PublicId.RandomToken(24);
        await using var api = await ApiProcess.StartAsync(connectionString, platformKey, new Dictionary<string, string>
        {
            ["Webhooks__AllowPrivateTargets"] = "true",
            ["Dashboard__DegradedResponseTimeMs"] = "60000",
        });
        using var anonymous = api.CreateClient();

        // A tenant, some traffic with errors, and an integration whose breaker opens.
        using var provision = new HttpRequestMessage(HttpMethod.Post, "/v1/organizations") { Content = JsonContent.Create(new { name = "Dashboard page" }) };
        provision.Headers.Add("X-API-Key", platformKey);
        using var provisioned = await anonymous.SendAsync(provision);
        var organization = await Envelopes.SuccessAsync(provisioned, HttpStatusCode.Created);
        var organizationId = organization.GetProperty("id").GetString()!;
        var key = organization.GetProperty("api_key").GetProperty("secret").GetString()!;
        using var client = api.CreateClient();
        client.DefaultRequestHeaders.Add("X-API-Key", key);
        client.DefaultRequestHeaders.Add("X-Organization-ID", organizationId);

        for (var i = 0; i < 3; i++)
        {
            using var list = await client.GetAsync("/v1/products");
            await Envelopes.ListAsync(list);
        }

        using (var missing = await client.GetAsync("/v1/products/prod_missing000000"))
        {
            await Envelopes.ErrorAsync(missing, HttpStatusCode.NotFound, "NOT_FOUND");
        }

        var prefix = ConnectorFixture.Prefix();
        server.SetDefault(prefix + "/health", Fault.Answer(503));
        using var created = await client.PostAsJsonAsync("/v1/integrations", new
        {
            name = "QuickBooks",
            type = "accounting",
            base_url = server.BaseUrl + prefix,
            retry_policy = new { max_attempts = 1 },
            circuit_breaker = new { failure_threshold = 2, timeout_ms = 600000 },
        });
        var integrationId = (await Envelopes.SuccessAsync(created, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        for (var i = 0; i < 2; i++)
        {
            using var health = await client.GetAsync($"/v1/integrations/{integrationId}/health");
            await Envelopes.SuccessAsync(health);
        }

        // 3 lists + 1 not found + 1 create + 2 health checks, once the background writer has stored them.
        var expected = await DashboardTests.DashboardWithCallsAsync(client, 7);
        Assert.Equal(7, expected.GetProperty("system_health").GetProperty("total_api_calls").GetInt64());

        await using var browser = await HeadlessChromium.StartAsync();
        try
        {
            // The fallback poll is ten minutes away: within this test only the event stream refreshes the page.
            await browser.NavigateAsync(new Uri(api.BaseAddress, "/dashboard?interval=600").ToString());
            await browser.WaitForTextAsync("#status", t => t == "Not connected");
            await browser.TypeAsync("#api-key", key);
            await browser.TypeAsync("#organization-id", organizationId);
            await browser.ClickAsync("#connect-button");
            await browser.WaitForTextAsync("#total-calls", t => t == "7");

            // What the page shows is what the API answers (the page's own polling is not counted, so the figures hold still).
            using var apiResponse = await client.GetAsync("/v1/dashboard");
            var data = await Envelopes.SuccessAsync(apiResponse);
            var health = data.GetProperty("system_health");
            Assert.Equal(Count(health.GetProperty("total_api_calls")), await browser.TextAsync("#total-calls"));
            Assert.Equal(Percent(health.GetProperty("success_rate")), await browser.TextAsync("#success-rate"));
            Assert.Equal("85.7%", await browser.TextAsync("#success-rate"));
            Assert.Equal(Ms(health.GetProperty("average_response_time_ms")), await browser.TextAsync("#avg-response"));
            Assert.Equal(Ms(health.GetProperty("p95_response_time_ms")) + " / " + Ms(health.GetProperty("p99_response_time_ms")), await browser.TextAsync("#percentiles"));
            Assert.Equal($"{Percent(health.GetProperty("error_rate"))} ({Count(health.GetProperty("error_count"))} errors)", await browser.TextAsync("#error-rate"));
            Assert.Equal("Circuit breaker open: QuickBooks", await browser.TextAsync("#breaker-status"));

            var topError = data.GetProperty("top_errors")[0];
            Assert.Equal("NOT_FOUND", topError.GetProperty("code").GetString());
            Assert.Equal(Count(topError.GetProperty("count")), await browser.TextAsync("#errors tr[data-code='NOT_FOUND'] td.count"));
            Assert.Equal(Percent(topError.GetProperty("share")), await browser.TextAsync("#errors tr[data-code='NOT_FOUND'] td.share"));

            var row = $"#integrations tr[data-integration-id='{integrationId}']";
            var integration = data.GetProperty("integrations")[0];
            Assert.Equal("circuit_open", await browser.TextAsync(row + " td.status"));
            Assert.Equal("OPEN", await browser.TextAsync(row + " td.circuit"));
            Assert.Equal(Percent(integration.GetProperty("success_rate")), await browser.TextAsync(row + " td.success"));
            Assert.Equal(Ms(integration.GetProperty("average_response_time_ms")), await browser.TextAsync(row + " td.avg"));
            Assert.Equal(Count(integration.GetProperty("daily_volume")), await browser.TextAsync(row + " td.volume"));
            Assert.Contains("QuickBooks: circuit breaker open", await browser.TextAsync("#issues li.critical"), StringComparison.Ordinal);

            // The charts are drawn: 24 hourly bars, and the current hour's bar carries the calls.
            Assert.Equal(24, (await browser.EvaluateAsync("document.querySelectorAll('#calls-chart rect.bar:not(.err)').length"))!.GetValue<int>());
            Assert.True((await browser.EvaluateAsync("document.querySelectorAll('#latency-chart circle').length"))!.GetValue<int>() >= 1);

            // Reset: the breaker goes to HALF_OPEN, on the page and in the API.
            await browser.ClickAsync(row + " button.reset");
            await browser.WaitForTextAsync(row + " td.circuit", t => t == "HALF_OPEN");
            Assert.Contains("HALF_OPEN", await browser.TextAsync("#status"), StringComparison.Ordinal);
            using var breaker = await client.GetAsync($"/v1/integrations/{integrationId}/circuit-breaker");
            Assert.Equal("HALF_OPEN", (await Envelopes.SuccessAsync(breaker)).GetProperty("circuit_state").GetString());

            // Live: the page follows the organization's event stream (a dashboard stream ticket, then EventSource). A write
            // through the API changes the page's figures without a reload and without its poll.
            await browser.WaitForTextAsync("#live", t => t == "Live");
            Assert.Equal("open", (await browser.EvaluateAsync("document.body.dataset.live"))!.GetValue<string>());
            // The seven calls, the page's reset and the breaker read above.
            var beforeWrite = await DashboardTests.DashboardWithCallsAsync(client, 9);
            Assert.Equal(9, beforeWrite.GetProperty("system_health").GetProperty("total_api_calls").GetInt64());
            var updatesBefore = beforeWrite.GetProperty("inventory_sync_metrics").GetProperty("real_time_updates").GetInt64();
            Assert.Equal(Percent(beforeWrite.GetProperty("inventory_sync_metrics").GetProperty("data_consistency")), await browser.TextAsync("#sync dd[data-figure='data_consistency']"));
            await browser.EvaluateAsync("window.loadedOnce = 'yes'");

            using (var write = await client.PostAsJsonAsync("/v1/products", new { sku = "LIVE-1", name = "Live update" }))
            {
                await Envelopes.SuccessAsync(write, HttpStatusCode.Created);
            }

            var afterWrite = await DashboardTests.DashboardWithCallsAsync(client, 10);
            Assert.Equal(updatesBefore + 1, afterWrite.GetProperty("inventory_sync_metrics").GetProperty("real_time_updates").GetInt64());
            await browser.WaitForTextAsync("#sync dd[data-figure='real_time_updates']", t => t == (updatesBefore + 1).ToString("#,0", CultureInfo.InvariantCulture), TimeSpan.FromSeconds(30));
            await browser.WaitForTextAsync("#total-calls", t => t == Count(afterWrite.GetProperty("system_health").GetProperty("total_api_calls")), TimeSpan.FromSeconds(30));
            Assert.Equal("yes", (await browser.EvaluateAsync("window.loadedOnce"))!.GetValue<string>());
            Assert.True(int.Parse((await browser.EvaluateAsync("document.body.dataset.liveEvents"))!.GetValue<string>(), CultureInfo.InvariantCulture) >= 1);
            Assert.Contains("live", await browser.TextAsync("#status"), StringComparison.Ordinal);
            Assert.DoesNotContain(browser.PageLog, l => l.Contains("exceptionDetails", StringComparison.Ordinal));
        }
        finally
        {
            output.WriteLine("Page log:\n" + string.Join("\n", browser.PageLog));
        }
    }

    [Fact]
    public async Task The_page_is_served_without_credentials_with_a_strict_content_security_policy()
    {
        var api = await SharedApi.GetAsync();
        using var anonymous = api.CreateClient();
        foreach (var (path, type) in new[] { ("/dashboard", "text/html"), ("/dashboard/dashboard.js", "text/javascript"), ("/dashboard/dashboard.css", "text/css") })
        {
            using var response = await anonymous.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
            var policy = response.Headers.GetValues("Content-Security-Policy").Single();
            Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
            Assert.Contains("connect-src 'self'", policy, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe", policy, StringComparison.Ordinal);
        }

        using var page = await anonymous.GetAsync("/dashboard");
        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.Contains("/dashboard/dashboard.js", html, StringComparison.Ordinal);
    }
}
