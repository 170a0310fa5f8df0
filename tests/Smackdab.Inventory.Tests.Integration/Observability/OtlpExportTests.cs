using Smackdab.Inventory.Tests.Support.Webhooks;

namespace Smackdab.Inventory.Tests.Integration.Observability;

/// <summary>The OTLP trace exporter: off unless Observability:OtlpTracesEndpoint is set, then spans reach that endpoint.</summary>
public sealed class OtlpExportTests
{
    [Fact]
    public async Task With_an_otlp_endpoint_configured_request_spans_are_exported_to_it_as_protobuf()
    {
        // A loopback HTTP endpoint playing the collector (OTLP over HTTP is a POST of a protobuf body).
        await using var collector = await WebhookReceiver.StartAsync();
        var endpoint = collector.NewUrl(out var path);
        await using var api = await ApiFactory.StartAsync(new Dictionary<string, string?>
        {
            ["Observability:OtlpTracesEndpoint"] = endpoint,
            ["Observability:OtlpExportDelayMilliseconds"] = "200",
        });
        var tenant = await Tenant.CreateAsync(api);
        using var client = tenant.Client(api);
        using (var list = await client.GetAsync("/v1/products"))
        {
            await Envelopes.ListAsync(list);
        }

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline && !collector.For(path).Any(r => r.Body.Contains("v1/products", StringComparison.Ordinal)))
        {
            await Task.Delay(100);
        }

        var exports = collector.For(path);
        Assert.Contains(exports, r => r.Body.Contains("v1/products", StringComparison.Ordinal));
        Assert.All(exports, r => Assert.Equal("application/x-protobuf", r.Headers["Content-Type"].ToString()));
    }
}
