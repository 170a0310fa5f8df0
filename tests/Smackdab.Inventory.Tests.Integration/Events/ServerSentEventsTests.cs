using Microsoft.Extensions.DependencyInjection;
using Smackdab.Inventory.Domain.Features.Events;
using Smackdab.Inventory.Tests.Integration.Ledger;
using Xunit.Abstractions;

namespace Smackdab.Inventory.Tests.Integration.Events;

public sealed class ServerSentEventsTests(ITestOutputHelper output)
{
    private const string Stream = "/v1/inventory/events/stream";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_client_that_disconnects_and_resumes_with_Last_Event_ID_sees_every_event_once_in_order_while_1000_writes_run()
    {
        var kit = await StockKit.NewTenantAsync();
        var products = new[] { await kit.ProductAsync(), await kit.ProductAsync(), await kit.ProductAsync(), await kit.ProductAsync() };
        var location = await kit.LocationAsync();
        var start = await FeedKit.HeadAsync(kit.Api, kit.Tenant.OrganizationId);

        using var gate = new SemaphoreSlim(8);
        var writes = Task.WhenAll(Enumerable.Range(0, 1000).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                using var response = await kit.PostAsync("receipt", products[i % products.Length], location, 1);
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            }
            finally
            {
                gate.Release();
            }
        }));

        var received = new List<SseEvent>();
        var last = start;
        var connections = 0;
        var random = new Random(9);
        while (true)
        {
            var done = writes.IsCompleted;
            var head = await FeedKit.HeadAsync(kit.Api, kit.Tenant.OrganizationId);
            if (done && last == head)
            {
                break;
            }

            // Read a random number of events (never more than have been written), then drop the connection.
            var take = (int)Math.Min(random.Next(1, 250), head - last);
            if (take == 0)
            {
                await Task.Delay(20);
                continue;
            }

            await using var sse = await SseClient.ConnectAsync(kit.Client, Stream, last.ToString(System.Globalization.CultureInfo.InvariantCulture));
            connections++;
            var batch = await sse.TakeAsync(take, Wait);
            received.AddRange(batch);
            last = batch[^1].Sequence;
        }

        await writes;
        output.WriteLine($"{received.Count} events over {connections} connections");
        Assert.True(connections >= 5, $"only {connections} connections");
        Assert.Equal(Enumerable.Range(1, received.Count).Select(i => start + i), received.Select(e => e.Sequence));
        var transactions = received.Where(e => e.Event == EventTypes.TransactionCreated).Select(e => e.Json.GetProperty("data").GetProperty("transaction_id").GetString()).ToList();
        Assert.Equal(1000, transactions.Count);
        Assert.Equal(1000, transactions.Distinct().Count());
        Assert.Equal(1000, received.Count(e => e.Event == "inventory.updated"));
        Assert.Equal(1000, await kit.LedgerCountAsync());
    }

    [Fact]
    public async Task Events_carry_the_spec_shape_and_filters_narrow_the_stream()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync("SSE-1");
        var a = await kit.LocationAsync("A");
        var b = await kit.LocationAsync("B");

        await using var all = await SseClient.ConnectAsync(kit.Client, Stream);
        await using var filtered = await SseClient.ConnectAsync(kit.Client, $"{Stream}?event_types=inventory.updated&location_id={b}");
        await kit.BookAsync("receipt", product, a, 5);
        await kit.BookAsync("receipt", product, b, 7);

        var first = await all.TakeAsync(4, Wait);
        Assert.Equal([EventTypes.TransactionCreated, "inventory.updated", EventTypes.TransactionCreated, "inventory.updated"], first.Select(e => e.Event));
        var updated = first[1].Json;
        Assert.Equal("inventory.updated", updated.GetProperty("event").GetString());
        Assert.Equal(product, updated.GetProperty("product_id").GetString());
        Assert.Equal(a, updated.GetProperty("location_id").GetString());
        Assert.Equal(5m, updated.GetProperty("quantity").GetDecimal());
        Assert.Equal(EventTypes.QuantityUpdated, updated.GetProperty("event_type").GetString());
        Assert.Equal(first[1].Sequence, updated.GetProperty("sequence").GetInt64());
        Assert.Equal("SSE-1", updated.GetProperty("data").GetProperty("sku").GetString());

        var only = Assert.Single(await filtered.TakeAsync(1, Wait));
        Assert.Equal("inventory.updated", only.Event);
        Assert.Equal(b, only.Json.GetProperty("location_id").GetString());
        Assert.Equal(first[3].Id, only.Id);
    }

    [Fact]
    public async Task A_stream_never_carries_another_organizations_events()
    {
        var kit = await StockKit.NewTenantAsync();
        var other = await StockKit.NewTenantAsync(kit.Api);
        var otherProduct = await other.ProductAsync();
        var otherLocation = await other.LocationAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();

        await using var sse = await SseClient.ConnectAsync(kit.Client, $"{Stream}?last_event_id=0");
        await other.BookAsync("receipt", otherProduct, otherLocation, 3);
        await kit.BookAsync("receipt", product, location, 4);
        var head = await FeedKit.HeadAsync(kit.Api, kit.Tenant.OrganizationId);
        var events = await sse.TakeAsync((int)head, Wait);
        Assert.All(events, e => Assert.Equal(kit.Tenant.OrganizationId, e.Json.GetProperty("organization_id").GetString()));
        Assert.DoesNotContain(events, e => e.Data.Contains(otherProduct, StringComparison.Ordinal) || e.Data.Contains(otherLocation, StringComparison.Ordinal));

        // Another organization's key with this organization's header is refused before any stream starts.
        using var foreign = other.Tenant.Client(kit.Api);
        foreign.DefaultRequestHeaders.Remove("X-Organization-ID");
        foreign.DefaultRequestHeaders.Add("X-Organization-ID", kit.Tenant.OrganizationId);
        using var refused = await foreign.GetAsync(Stream, HttpCompletionOption.ResponseHeadersRead);
        await Envelopes.ErrorAsync(refused, HttpStatusCode.Forbidden, "PERMISSION_DENIED");
    }

    [Fact]
    public async Task A_branch_isolated_stream_sees_its_branch_and_organization_wide_events_only()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var mainLocation = await kit.LocationAsync("Main");
        using var branchResponse = await kit.Client.PostAsJsonAsync("/v1/branches", new { name = "North" });
        var north = (await Envelopes.SuccessAsync(branchResponse, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        using var northClient = kit.Tenant.Client(kit.Api, branchId: north, inventoryMode: "branch_isolated");
        using var locationResponse = await northClient.PostAsJsonAsync("/v1/locations", new { name = "North location" });
        var northLocation = (await Envelopes.SuccessAsync(locationResponse, HttpStatusCode.Created)).GetProperty("id").GetString()!;

        await using var sse = await SseClient.ConnectAsync(northClient, $"{Stream}?last_event_id=0");
        await kit.BookAsync("receipt", product, mainLocation, 3);
        await kit.BookAsync("receipt", product, northLocation, 4);
        var marker = await kit.ProductAsync();

        var seen = new List<SseEvent>();
        while (!seen.Any(e => e.Data.Contains(marker, StringComparison.Ordinal)))
        {
            seen.Add(await sse.NextAsync(Wait) ?? throw new InvalidOperationException("stream ended"));
        }

        Assert.Contains(seen, e => e.Event == "inventory.updated" && e.Json.GetProperty("location_id").GetString() == northLocation);
        Assert.Contains(seen, e => e.Event == EventTypes.ProductCreated && e.Json.GetProperty("data").GetProperty("id").GetString() == product);
        Assert.DoesNotContain(seen, e => e.Data.Contains(mainLocation, StringComparison.Ordinal));
        Assert.All(seen, e => Assert.True(e.Json.GetProperty("branch_id").ValueKind == JsonValueKind.Null || e.Json.GetProperty("branch_id").GetString() == north));
    }

    [Theory]
    [InlineData("Last-Event-ID", "abc", "Last-Event-ID")]
    [InlineData("Last-Event-ID", "-1", "Last-Event-ID")]
    [InlineData("Last-Event-ID", "999999999", "Last-Event-ID")]
    [InlineData("query", "event_types=inventory.nonsense", "event_types")]
    [InlineData("query", "last_event_id=1.5", "last_event_id")]
    public async Task Bad_positions_and_filters_are_a_400_envelope_before_the_stream_starts(string where, string value, string field)
    {
        var kit = await StockKit.NewTenantAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, where == "query" ? $"{Stream}?{value}" : Stream);
        if (where != "query")
        {
            request.Headers.TryAddWithoutValidation(where, value);
        }

        using var response = await kit.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty(field, out _), error.ToString());
    }

    [Fact]
    public async Task A_position_older_than_retention_gets_full_sync_required_then_continues_from_the_newest_event()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        await kit.BookAsync("receipt", product, location, 1);
        await using (var scope = kit.Api.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<EventRetention>().PruneAsync(DateTime.UtcNow.AddMinutes(1), 1000, CancellationToken.None, kit.Tenant.OrganizationId);
        }

        var head = await FeedKit.HeadAsync(kit.Api, kit.Tenant.OrganizationId);
        await using var sse = await SseClient.ConnectAsync(kit.Client, Stream, "0");
        var notice = await sse.NextAsync(Wait);
        Assert.Equal("full_sync_required", notice!.Event);
        Assert.Equal(head, notice.Sequence);
        Assert.True(notice.Json.GetProperty("full_sync_required").GetBoolean());

        await kit.BookAsync("receipt", product, location, 1);
        var next = await sse.NextAsync(Wait);
        Assert.Equal(head + 1, next!.Sequence);
    }
}
