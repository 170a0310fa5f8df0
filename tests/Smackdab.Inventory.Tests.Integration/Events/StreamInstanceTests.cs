using Smackdab.Inventory.Tests.Integration.Ledger;

namespace Smackdab.Inventory.Tests.Integration.Events;

/// <summary>Hosts of their own over the shared database: stream settings small enough to test, and a second instance.</summary>
public sealed class StreamInstanceTests
{
    private const string Stream = "/v1/inventory/events/stream";

    [Fact]
    public async Task A_write_through_instance_A_reaches_an_SSE_client_of_instance_B()
    {
        var a = await SharedApi.GetAsync();
        // B would re-read only every 10 minutes on its own: within the deadline, only A's NOTIFY can wake it.
        await using var b = ApiFactory.StartAnotherInstance(a, new Dictionary<string, string?> { ["Events:PollFallbackSeconds"] = "600" });
        var kit = await StockKit.NewTenantAsync(a);
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        using var clientOfB = kit.Tenant.Client(b);

        await using var sse = await SseClient.ConnectAsync(clientOfB, Stream);
        await Task.Delay(300); // let B's pump take its first read and start waiting
        var booked = await kit.BookAsync("receipt", product, location, 6);

        var created = await sse.NextAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(booked.GetProperty("id").GetString(), created!.Json.GetProperty("data").GetProperty("transaction_id").GetString());
        var updated = await sse.NextAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(6m, updated!.Json.GetProperty("quantity").GetDecimal());
    }

    [Fact]
    public async Task An_idle_stream_gets_heartbeats_and_a_client_that_stops_reading_is_disconnected()
    {
        var shared = await SharedApi.GetAsync();
        await using var api = ApiFactory.StartAnotherInstance(shared, new Dictionary<string, string?>
        {
            ["Events:StreamHeartbeatSeconds"] = "0.2",
            ["Events:StreamBufferSize"] = "5",
            ["Events:StreamSlowClientSeconds"] = "1",
        });
        var kit = await StockKit.NewTenantAsync(api);
        var product = await kit.ProductAsync(sku: "SLOW-" + new string('x', 60));
        var location = await kit.LocationAsync("A location with a rather long name so that events are large " + new string('y', 100));

        await using (var idle = await SseClient.ConnectAsync(kit.Client, Stream))
        {
            // Heartbeats come every 0.2 s; the deadline only bounds a loaded machine.
            await idle.WaitForCommentAsync("heartbeat", TimeSpan.FromSeconds(30));
        }

        // A client that connects and never reads: its events back up (transport, then the 5-event buffer) until it is cut off.
        // 300 writes are 600 events of a few hundred bytes each, well past what the in-memory transport holds before it pushes back
        // (150 were once all absorbed on a loaded machine, so the pump never waited and the client was never cut).
        await using var slow = await SseClient.ConnectAsync(kit.Client, Stream);
        for (var i = 0; i < 300; i++)
        {
            await kit.BookAsync("receipt", product, location, 1);
        }

        var received = 0;
        var ended = false;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            while (!deadline.IsCancellationRequested)
            {
                if (await slow.NextAsync(TimeSpan.FromSeconds(30)) is null)
                {
                    ended = true;
                    break;
                }

                received++;
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException or InvalidOperationException)
        {
            ended = true;
        }
        catch (OperationCanceledException)
        {
            // The test host surfaces the server's abort of the response as a cancelled read (our own deadline is a TimeoutException).
            ended = true;
        }

        Assert.True(ended, "the slow client was not disconnected");
        Assert.True(received < 600, $"the slow client received all {received} events: nothing was cut");
    }
}
