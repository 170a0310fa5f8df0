namespace Smackdab.Inventory.Tests.Integration.Observability;

/// <summary>GET /metrics: Prometheus text that a scraper can parse, carrying the requests a caller made with their labels.</summary>
public sealed class MetricsTests(TenantFixture fixture) : IClassFixture<TenantFixture>
{
    private static async Task<IReadOnlyList<PrometheusSample>> ScrapeAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"/metrics answered {(int)response.StatusCode}: {text}");
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        return PrometheusText.Parse(text);
    }

    /// <summary>Scrapes until <paramref name="done"/> holds (the exporter may serve a scrape cached for a moment).</summary>
    private static async Task<IReadOnlyList<PrometheusSample>> ScrapeUntilAsync(HttpClient client, Func<IReadOnlyList<PrometheusSample>, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        IReadOnlyList<PrometheusSample> samples;
        do
        {
            samples = await ScrapeAsync(client);
            if (done(samples))
            {
                return samples;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);

        return samples;
    }

    private static bool Has(PrometheusSample s, string name, params (string Label, string Value)[] labels) =>
        s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out var v) && v == l.Value);

    [Fact]
    public async Task Metrics_parse_as_prometheus_text_and_count_this_tenants_requests_by_route_outcome_and_error_code()
    {
        var org = fixture.Tenant.OrganizationId;
        for (var i = 0; i < 3; i++)
        {
            using var list = await fixture.Client.GetAsync("/v1/products");
            await Envelopes.ListAsync(list);
        }

        using var missing = await fixture.Client.GetAsync("/v1/products/prod_doesnotexist00");
        await Envelopes.ErrorAsync(missing, HttpStatusCode.NotFound, "NOT_FOUND");

        using var anonymous = fixture.Api.CreateClient();
        var successLabels = new[] { ("organization", org), ("http_route", "v1/products"), ("http_request_method", "GET"), ("outcome", "success") };
        var samples = await ScrapeUntilAsync(anonymous, all =>
            all.Any(s => Has(s, "smackdab_api_requests_total", successLabels) && s.Value == 3)
            && all.Any(s => Has(s, "smackdab_api_errors_total", ("organization", org), ("error_code", "NOT_FOUND")) && s.Value == 1));

        var requests = samples.Where(s => Has(s, "smackdab_api_requests_total", successLabels)).ToList();
        Assert.True(requests.Count == 1, "no single smackdab_api_requests_total series for this tenant's GET v1/products: " + string.Join("\n", samples.Where(s => s.Name.StartsWith("smackdab_api", StringComparison.Ordinal)).Take(20)));
        Assert.Equal(3, requests[0].Value);
        Assert.Equal("200", requests[0].Labels["http_response_status_code"]);
        Assert.NotEqual("none", requests[0].Labels["client"]);

        var errors = samples.SingleOrDefault(s => Has(s, "smackdab_api_errors_total", ("organization", org), ("error_code", "NOT_FOUND")))
            ?? throw new Xunit.Sdk.XunitException("no error series: " + string.Join("\n", samples.Where(s => s.Name.StartsWith("smackdab_api_errors", StringComparison.Ordinal) || (s.Name == "smackdab_api_requests_total" && s.Labels.GetValueOrDefault("organization") == org))));
        Assert.Equal(1, errors.Value);
        Assert.Equal("404", errors.Labels["http_response_status_code"]);
        Assert.Equal("v1/products/{id}", errors.Labels["http_route"]);
        Assert.Contains(samples, s => Has(s, "smackdab_api_requests_total", ("organization", org), ("outcome", "error"), ("http_route", "v1/products/{id}")) && s.Value == 1);

        // The latency histogram: cumulative buckets ending at +Inf, equal to _count, from which p95/p99 are read.
        var durationLabels = new[] { ("organization", org), ("http_route", "v1/products"), ("outcome", "success") };
        var buckets = samples.Where(s => Has(s, "smackdab_api_request_duration_seconds_bucket", durationLabels)).ToList();
        Assert.True(buckets.Count >= 2, "no duration buckets");
        Assert.Equal(double.PositiveInfinity, PrometheusLe(buckets[^1]));
        Assert.Equal(buckets.OrderBy(PrometheusLe).Select(b => b.Value), buckets.Select(b => b.Value));
        Assert.True(buckets.Zip(buckets.Skip(1)).All(p => p.First.Value <= p.Second.Value), "buckets are not cumulative");
        Assert.Equal(3, buckets[^1].Value);
        Assert.Equal(3, samples.Single(s => Has(s, "smackdab_api_request_duration_seconds_count", durationLabels)).Value);
        Assert.True(samples.Single(s => Has(s, "smackdab_api_request_duration_seconds_sum", durationLabels)).Value > 0);

        // ASP.NET Core's own server metrics are exported too.
        Assert.Contains(samples, s => s.Name.StartsWith("http_server_request_duration_seconds", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_are_not_served_under_v1_and_need_no_tenant_headers()
    {
        using var anonymous = fixture.Api.CreateClient();
        using var response = await anonymous.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var v1 = await fixture.Client.GetAsync("/v1/metrics");
        await Envelopes.ErrorAsync(v1, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task With_the_platform_key_required_metrics_refuse_anonymous_and_tenant_callers()
    {
        await using var api = await ApiFactory.StartAsync(new Dictionary<string, string?> { ["Observability:MetricsRequirePlatformKey"] = "true" });
        var tenant = await Tenant.CreateAsync(api);

        using var anonymous = api.CreateClient();
        using var refused = await anonymous.GetAsync("/metrics");
        await Envelopes.ErrorAsync(refused, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");

        using var tenantClient = tenant.Client(api);
        using var forbidden = await tenantClient.GetAsync("/metrics");
        await Envelopes.ErrorAsync(forbidden, HttpStatusCode.Forbidden, "PERMISSION_DENIED");

        using var platform = api.CreateClient();
        platform.DefaultRequestHeaders.Add("X-API-Key", api.PlatformKey);
        Assert.NotEmpty(await ScrapeAsync(platform));
    }

    private static double PrometheusLe(PrometheusSample bucket) =>
        bucket.Labels["le"] == "+Inf" ? double.PositiveInfinity : double.Parse(bucket.Labels["le"], System.Globalization.CultureInfo.InvariantCulture);
}
