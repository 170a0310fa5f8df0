using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Paging;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Domain.Features.Webhooks;

/// <summary>The <c>/v1/webhooks/subscriptions</c> resource: create, list, read, change, delete, rotate the secret.</summary>
public sealed class WebhookSubscriptionService(
    InventoryDbContext db,
    TenantContext tenant,
    WebhookSecretProtector protector,
    WebhookPerformanceQuery performance,
    Events.EventReader events,
    WebhookFanOut fanOut,
    IOptions<WebhookOptions> options,
    TimeProvider clock)
{
    public const string Resource = "Webhook subscription";
    public const string IdPrefix = "sub";

    private static readonly IReadOnlyList<SortField<WebhookSubscription>> SortFields =
    [
        Pager.Timestamp<WebhookSubscription>("created_at", s => s.CreatedAt),
        Pager.Timestamp<WebhookSubscription>("updated_at", s => s.UpdatedAt),
        Pager.Text<WebhookSubscription>("url", s => s.Url),
    ];

    public async Task<WebhookSubscriptionResponse> CreateAsync(CreateWebhookSubscriptionRequest request, CancellationToken ct)
    {
        var organizationId = tenant.RequireOrganization();
        var count = await db.WebhookSubscriptions.IgnoreQueryFilters().CountAsync(s => s.OrganizationId == organizationId, ct);
        if (count >= options.Value.MaxSubscriptionsPerOrganization)
        {
            throw new ConflictException(
                $"The organization already has {count} webhook subscriptions, the most allowed",
                new Dictionary<string, object?> { ["limit"] = options.Value.MaxSubscriptionsPerOrganization });
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var secret = request.Authentication?.Secret is { } own ? WebhookSecrets.FromCallerSecret(own) : WebhookSecrets.New();
        var subscription = new WebhookSubscription
        {
            Id = PublicId.New(IdPrefix),
            OrganizationId = organizationId,
            BranchId = tenant.BranchIsolated ? tenant.BranchId : null,
            Url = request.Url!.Trim(),
            Description = request.Description,
            Events = request.Events!.Distinct(StringComparer.Ordinal).ToList(),
            LocationTypes = request.Filters?.LocationTypes?.Distinct(StringComparer.Ordinal).ToList() ?? [],
            ProductCategories = request.Filters?.ProductCategories?.Distinct(StringComparer.Ordinal).ToList() ?? [],
            MaxAttempts = request.RetryPolicy?.MaxAttempts ?? options.Value.DefaultMaxAttempts,
            BackoffStrategy = request.RetryPolicy?.BackoffStrategy ?? BackoffStrategies.Exponential,
            Status = WebhookSubscriptionStatuses.Active,
            LastEventSequence = (await events.PositionsAsync(organizationId, ct)).Head,
            CreatedAt = now,
            UpdatedAt = now,
        };
        subscription.SecretCiphertext = protector.Protect(secret, subscription.Id);
        db.WebhookSubscriptions.Add(subscription);
        await db.SaveChangesAsync(ct);
        return WebhookSubscriptionResponse.From(subscription, secret);
    }

    public async Task<PagedResult<WebhookSubscriptionResponse>> ListAsync(ListRequest request, CancellationToken ct)
    {
        var query = db.WebhookSubscriptions.AsNoTracking().WhereFilter(request, "status", s => s.Status);
        var page = await Pager.PageAsync(query, request, SortFields, s => s.Id, ct);
        return page.Map(s => WebhookSubscriptionResponse.From(s));
    }

    public async Task<WebhookSubscriptionResponse> GetAsync(string id, CancellationToken ct)
    {
        var subscription = await FindAsync(id, tracking: false, ct);
        return WebhookSubscriptionResponse.From(subscription, performance: await performance.ForAsync(subscription.Id, ct));
    }

    public async Task<WebhookSubscriptionResponse> UpdateAsync(string id, UpdateWebhookSubscriptionRequest request, int? expectedVersion, CancellationToken ct)
    {
        var subscription = await FindAsync(id, tracking: true, ct);
        Versioning.EnsureMatches(subscription.Version, expectedVersion);
        if (request.Url is { } url)
        {
            subscription.Url = url.Trim();
        }

        if (request.Events is { } events)
        {
            subscription.Events = events.Distinct(StringComparer.Ordinal).ToList();
        }

        if (request.Filters is { } filters)
        {
            subscription.LocationTypes = filters.LocationTypes?.Distinct(StringComparer.Ordinal).ToList() ?? [];
            subscription.ProductCategories = filters.ProductCategories?.Distinct(StringComparer.Ordinal).ToList() ?? [];
        }

        if (request.RetryPolicy is { } retry)
        {
            subscription.MaxAttempts = retry.MaxAttempts ?? subscription.MaxAttempts;
            subscription.BackoffStrategy = retry.BackoffStrategy ?? subscription.BackoffStrategy;
        }

        if (request.Description is { } description)
        {
            subscription.Description = description;
        }

        if (request.Status is { } status)
        {
            subscription.Status = status;
            subscription.DisabledReason = null;
        }

        subscription.Touch(clock.GetUtcNow().UtcDateTime);
        await Versioning.SaveAsync(db, ct);
        return WebhookSubscriptionResponse.From(subscription);
    }

    /// <summary>Deletes the subscription with its deliveries; nothing more is sent to it.</summary>
    public async Task<Products.DeletedResponse> DeleteAsync(string id, CancellationToken ct)
    {
        var subscription = await FindAsync(id, tracking: true, ct);
        db.WebhookSubscriptions.Remove(subscription);
        await Versioning.SaveAsync(db, ct);
        return new Products.DeletedResponse(subscription.Id, true, clock.GetUtcNow().UtcDateTime);
    }

    /// <summary>
    /// Issues a new secret. The previous one keeps signing (a second <c>v1,</c> signature) for the overlap, so that receivers
    /// can switch without missing a delivery.
    /// </summary>
    public async Task<WebhookSubscriptionResponse> RotateSecretAsync(string id, RotateWebhookSecretRequest? request, CancellationToken ct)
    {
        var subscription = await FindAsync(id, tracking: true, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var overlap = TimeSpan.FromHours(request?.OverlapHours ?? options.Value.DefaultRotationOverlapHours);
        var secret = WebhookSecrets.New();
        if (overlap > TimeSpan.Zero)
        {
            subscription.PreviousSecretCiphertext = subscription.SecretCiphertext;
            subscription.PreviousSecretExpiresAt = now + overlap;
        }
        else
        {
            subscription.PreviousSecretCiphertext = null;
            subscription.PreviousSecretExpiresAt = null;
        }

        subscription.SecretCiphertext = protector.Protect(secret, subscription.Id);
        subscription.Touch(now);
        await Versioning.SaveAsync(db, ct);
        return WebhookSubscriptionResponse.From(subscription, secret);
    }

    /// <summary>Queues the subscription's matching events of a sequence range again, as replay deliveries.</summary>
    public async Task<ReplayResult> ReplayAsync(string id, ReplayWebhookEventsRequest request, CancellationToken ct)
    {
        var subscription = await FindAsync(id, tracking: false, ct);
        return await fanOut.ReplayAsync(subscription, request.FromSequence!.Value, request.ToSequence!.Value, ct);
    }

    internal async Task<WebhookSubscription> FindAsync(string id, bool tracking, CancellationToken ct)
    {
        var query = tracking ? db.WebhookSubscriptions : db.WebhookSubscriptions.AsNoTracking();
        return await query.FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw new NotFoundException(Resource, id);
    }
}
