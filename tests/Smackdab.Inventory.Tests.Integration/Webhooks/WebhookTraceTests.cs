using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Smackdab.Inventory.Domain.Features.Outbound;
using StandardWebhooks;

namespace Smackdab.Inventory.Tests.Integration.Webhooks;

/// <summary>W3C trace context on webhook deliveries made by the background worker.</summary>
public sealed partial class WebhookTraceTests(RealClockFixture host) : IClassFixture<RealClockFixture>
{
    [Fact]
    public async Task A_delivery_carries_a_traceparent_of_its_own_trace_linked_to_the_request_that_wrote_the_event()
    {
        var started = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == OutboundTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = started.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var subscriber = await host.SubscribeAsync();
        var requestTraceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        using var create = new HttpRequestMessage(HttpMethod.Post, "/v1/products")
        {
            Content = JsonContent.Create(new { sku = "TRACE-1", name = "Traced" }),
        };
        create.Headers.TryAddWithoutValidation("traceparent", $"00-{requestTraceId}-2222222222222222-01");

        using var response = await subscriber.Client.SendAsync(create);
        await Envelopes.SuccessAsync(response, HttpStatusCode.Created);

        var received = (await host.Receiver.WaitForAsync(subscriber.Path, 1)).Single();
        new StandardWebhook(subscriber.Secret).Verify(received.Body, received.Headers);
        var match = TraceParent().Match(received.Headers["traceparent"].ToString());
        Assert.True(match.Success, $"Not a W3C traceparent: '{received.Headers["traceparent"]}'");
        var deliveryTraceId = match.Groups["trace"].Value;
        // The delivery is its own trace (it may run long after the request, on another instance) ...
        Assert.NotEqual(requestTraceId, deliveryTraceId);
        // ... started from the outbound source, and linked to the request that wrote the event.
        var delivery = started.Single(a => a.TraceId.ToHexString() == deliveryTraceId);
        Assert.Equal("webhook.deliver", delivery.OperationName);
        Assert.Equal(subscriber.SubscriptionId, delivery.GetTagItem("smackdab.webhook.subscription_id"));
        Assert.Contains(delivery.Links, link => link.Context.TraceId.ToHexString() == requestTraceId);
    }

    [Fact]
    public async Task A_delivery_without_a_listening_tracer_still_carries_a_valid_traceparent()
    {
        var subscriber = await host.SubscribeAsync();
        await subscriber.EnqueueAsync();

        var received = (await host.Receiver.WaitForAsync(subscriber.Path, 1)).Single();

        Assert.Matches(TraceParent(), received.Headers["traceparent"].ToString());
    }

    [GeneratedRegex("^00-(?<trace>[0-9a-f]{32})-(?<span>[0-9a-f]{16})-0[01]$")]
    private static partial Regex TraceParent();
}
