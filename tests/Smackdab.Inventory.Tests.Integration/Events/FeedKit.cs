using Microsoft.Extensions.DependencyInjection;
using Smackdab.Inventory.Domain.Features.Events;

namespace Smackdab.Inventory.Tests.Integration.Events;

/// <summary>Reads an organization's change feed straight from the outbox, as the feed's consumers do.</summary>
public static class FeedKit
{
    public static async Task<List<JsonElement>> EventsAsync(ApiFactory api, string organizationId, long after = 0, EventFilter? filter = null)
    {
        await using var scope = api.Services.CreateAsyncScope();
        var reader = scope.ServiceProvider.GetRequiredService<EventReader>();
        var events = new List<JsonElement>();
        var position = after;
        while (true)
        {
            var page = await reader.ReadAsync(organizationId, position, filter ?? EventFilter.None, 500, CancellationToken.None);
            Assert.False(page.FullSyncRequired);
            events.AddRange(page.Events.Select(e => JsonDocument.Parse(EventEnvelope.ToJsonString(e)).RootElement.Clone()));
            position = page.NextAfter;
            if (!page.HasMore)
            {
                return events;
            }
        }
    }

    public static async Task<long> HeadAsync(ApiFactory api, string organizationId)
    {
        await using var scope = api.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<EventReader>().PositionsAsync(organizationId, CancellationToken.None)).Head;
    }

    public static string Type(this JsonElement e) => e.GetProperty("event_type").GetString()!;

    public static JsonElement Data(this JsonElement e) => e.GetProperty("data");

    public static long Sequence(this JsonElement e) => e.GetProperty("sequence").GetInt64();
}
