using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Events;
using Smackdab.Inventory.Domain.Features.Integrations.Connectors;
using Smackdab.Inventory.Domain.Features.Integrations.Sync;
using Smackdab.Inventory.Domain.Features.Webhooks;

namespace Smackdab.Inventory.Domain.Features.Integrations.Push;

/// <summary>GET and PUT /v1/integrations/{id}/push: the push settings of an integration of the caller's organization, and where it stands.</summary>
public sealed class PushService(
    InventoryDbContext db,
    IntegrationService integrations,
    EventReader events,
    CircuitBreakerStore breakers,
    TimeProvider clock)
{
    public async Task<PushStatusResponse> GetAsync(string integrationId, CancellationToken ct)
    {
        var integration = await integrations.FindAsync(integrationId, ct);
        var push = await db.IntegrationPushes.AsNoTracking().FirstOrDefaultAsync(p => p.IntegrationId == integration.Id, ct);
        return await DescribeAsync(integration, push, ct);
    }

    public async Task<PushStatusResponse> UpdateAsync(string integrationId, PushSettingsRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (integration, push) = await db.InTransactionAsync(async () =>
        {
            var integration = await db.Integrations.FirstOrDefaultAsync(i => i.Id == integrationId, ct)
                ?? throw new NotFoundException(IntegrationService.Resource, integrationId);
            var push = await db.IntegrationPushes
                .FromSql($"SELECT * FROM integration_pushes WHERE integration_id = {integration.Id} FOR UPDATE")
                .FirstOrDefaultAsync(ct);
            var now = clock.GetUtcNow().UtcDateTime;
            var startFrom = request.StartFrom;
            if (push is null)
            {
                push = new IntegrationPush { IntegrationId = integration.Id, OrganizationId = integration.OrganizationId, CreatedAt = now };
                db.IntegrationPushes.Add(push);
                startFrom ??= PushStartPoints.Now;
            }

            if (request.Events is { } types)
            {
                integration.Events = types.Distinct(StringComparer.Ordinal).ToList();
            }

            if (request.Path is { } path)
            {
                integration.EventsPath = path;
            }

            push.Enabled = request.Enabled ?? push.Enabled;
            if (push.Enabled && integration.Events.Count == 0)
            {
                throw new ValidationFailedException("events", "At least one event type is required to enable the push");
            }

            if (startFrom is not null)
            {
                var (head, prunedThrough) = await events.PositionsAsync(integration.OrganizationId, ct);
                push.Cursor = startFrom == PushStartPoints.Beginning ? prunedThrough : head;
                push.FailedAttempts = 0;
                push.LastError = null;
            }

            // A change of settings is worth an attempt now.
            push.NextAttemptAt = null;
            push.UpdatedAt = now;
            integration.Touch(now);
            await db.SaveChangesAsync(ct);
            return (integration, push);
        }, ct);
        return await DescribeAsync(integration, push, ct);
    }

    private async Task<PushStatusResponse> DescribeAsync(Integration integration, IntegrationPush? push, CancellationToken ct)
    {
        var (head, _) = await events.PositionsAsync(integration.OrganizationId, ct);
        var cursor = push?.Cursor ?? head;
        var types = PushRunner.SubscribedTypes(integration.Events);
        var backlog = types.Count == 0 || cursor >= head
            ? 0
            : await db.Events.IgnoreQueryFilters().AsNoTracking()
                .LongCountAsync(e => e.OrganizationId == integration.OrganizationId && e.Sequence > cursor && e.Sequence <= head && types.Contains(e.EventType), ct);
        var breaker = await breakers.GetAsync(integration, ct);
        var enabled = push?.Enabled == true;
        var now = clock.GetUtcNow().UtcDateTime;
        var status = !enabled || integration.Status != IntegrationStatuses.Active ? PushStatuses.Disabled
            : breaker.State == CircuitStates.Open ? PushStatuses.CircuitOpen
            : backlog == 0 ? PushStatuses.UpToDate
            : push!.LastError is not null && push.NextAttemptAt > now ? PushStatuses.Retrying
            : PushStatuses.Pushing;
        return new PushStatusResponse
        {
            IntegrationId = integration.Id,
            Enabled = enabled,
            Events = integration.Events,
            Path = integration.EventsPath ?? SyncRunner.DefaultEventsPath,
            Status = status,
            Cursor = cursor,
            Head = head,
            Backlog = backlog,
            PushedCount = push?.PushedCount ?? 0,
            LastPushedAt = push?.LastPushedAt,
            LastPushedEventId = push?.LastPushedEventId,
            LastAttemptAt = push?.LastAttemptAt,
            LastError = push?.LastError,
            FailedAttempts = push?.FailedAttempts ?? 0,
            NextAttemptAt = push?.NextAttemptAt,
            CircuitState = breaker.State,
        };
    }
}
