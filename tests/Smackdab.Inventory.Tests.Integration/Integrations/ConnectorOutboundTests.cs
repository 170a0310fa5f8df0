using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Integrations;
using Smackdab.Inventory.Domain.Features.Integrations.Connectors;
using Smackdab.Inventory.Domain.Features.Outbound;
using Smackdab.Inventory.Tests.Support.Servers;

namespace Smackdab.Inventory.Tests.Integration.Integrations;

/// <summary>The connectors' HTTP client: the outbound guard at connect time, and the request's trace carried to the other side.</summary>
public sealed partial class ConnectorOutboundTests(ConnectorFixture fixture) : IClassFixture<ConnectorFixture>
{
    [Fact]
    public async Task A_connector_call_made_during_a_request_carries_that_requests_trace_id()
    {
        var prefix = ConnectorFixture.Prefix();
        var integration = await fixture.CreateAsync(prefix);
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        using var client = fixture.Tenant.Client(fixture.Api);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/integrations/{integration.Id}/health");
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId}-1111111111111111-01");

        using var response = await client.SendAsync(request);

        await Envelopes.SuccessAsync(response);
        var call = fixture.Server.Received.Single(r => r.Path == prefix + "/health");
        var traceparent = call.Headers.GetValueOrDefault("traceparent");
        Assert.NotNull(traceparent);
        var match = TraceParent().Match(traceparent);
        Assert.True(match.Success, $"Not a W3C traceparent: {traceparent}");
        Assert.Equal(traceId, match.Groups["trace"].Value);
        // A span of its own within the request's trace, not the caller's span id passed on.
        Assert.NotEqual("1111111111111111", match.Groups["span"].Value);
    }

    [Fact]
    public async Task A_connector_without_the_private_targets_switch_refuses_to_connect_to_loopback()
    {
        var prefix = ConnectorFixture.Prefix();
        var integration = await fixture.CreateAsync(prefix, retryPolicy: new { max_attempts = 1 });
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddDbContext<InventoryDbContext>(o => o.UseInventoryPostgres(fixture.Api.ConnectionString));
        services.Configure<IntegrationOptions>(_ => { });
        services.Configure<OutboundOptions>(o => o.AllowPrivateTargets = false);
        services.AddIntegrationConnectors();
        await using var provider = services.BuildServiceProvider();

        var failure = await Assert.ThrowsAsync<IntegrationCallException>(() =>
            provider.GetRequiredService<ConnectorClient>().SendAsync(integration, new ConnectorRequest(HttpMethod.Get, "/items"), CancellationToken.None));

        Assert.Equal(ConnectorErrorClasses.NetworkError, failure.ErrorClass);
        Assert.Equal(0, fixture.Server.CountFor(prefix + "/items"));
    }

    [GeneratedRegex("^00-(?<trace>[0-9a-f]{32})-(?<span>[0-9a-f]{16})-0[01]$")]
    private static partial Regex TraceParent();
}
