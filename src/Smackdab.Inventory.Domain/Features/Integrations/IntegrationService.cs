using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Paging;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Domain.Features.Integrations;

/// <summary>The organization's registry of external systems.</summary>
public sealed class IntegrationService(InventoryDbContext db, TenantContext tenant, CredentialProtector protector, TimeProvider clock)
{
    public const string Resource = "Integration";

    private static readonly IReadOnlyList<SortField<Integration>> SortFields =
    [
        Pager.Timestamp<Integration>("created_at", i => i.CreatedAt),
        Pager.Timestamp<Integration>("updated_at", i => i.UpdatedAt),
        Pager.Text<Integration>("name", i => i.Name),
    ];

    public async Task<PagedResult<IntegrationResponse>> ListAsync(ListRequest request, CancellationToken ct)
    {
        var query = db.Integrations.AsNoTracking()
            .WhereFilter(request, "type", i => i.Type)
            .WhereFilter(request, "status", i => i.Status)
            .WhereFilter(request, "provider", i => i.Provider);
        var page = await Pager.PageAsync(query, request, SortFields, i => i.Id, ct);
        return page.Map(Respond);
    }

    public async Task<IntegrationResponse> GetAsync(string id, CancellationToken ct) => Respond(await FindAsync(id, ct));

    /// <summary>The integration as stored, for the connector (tenant-filtered: a foreign id is not found).</summary>
    public Task<Integration> FindAsync(string id, CancellationToken ct) => FindAsync(id, tracking: false, ct);

    public async Task<IntegrationWriteRequest> GetWriteModelAsync(string id, CancellationToken ct)
    {
        var i = await FindAsync(id, ct);
        return new IntegrationWriteRequest
        {
            Name = i.Name,
            Type = i.Type,
            Provider = i.Provider,
            BaseUrl = i.BaseUrl,
            HealthPath = i.HealthPath,
            Status = i.Status,
            TimeoutMs = i.TimeoutMs,
            RetryPolicy = RetryPolicyDto.From(i.RetryPolicy),
            CircuitBreaker = CircuitBreakerDto.From(i.CircuitBreaker),
            Events = i.Events,
            EventsPath = i.EventsPath,
        };
    }

    public async Task<IntegrationResponse> CreateAsync(IntegrationWriteRequest request, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var integration = new Integration
        {
            Id = PublicId.New(PublicId.Integration),
            OrganizationId = tenant.RequireOrganization(),
            CreatedAt = now,
            UpdatedAt = now,
        };
        Apply(integration, request);
        SetCredentials(integration, request.Authentication ?? new AuthenticationRequest { Type = IntegrationAuthTypes.None });
        db.Integrations.Add(integration);
        await SaveAsync(integration.Name, ct);
        return Respond(integration);
    }

    public async Task<IntegrationResponse> UpdateAsync(string id, IntegrationWriteRequest request, int? expectedVersion, CancellationToken ct)
    {
        var integration = await FindAsync(id, tracking: true, ct);
        Versioning.EnsureMatches(integration.Version, expectedVersion);
        Apply(integration, request);
        if (request.Authentication is not null)
        {
            SetCredentials(integration, request.Authentication);
        }

        integration.Touch(clock.GetUtcNow().UtcDateTime);
        await SaveAsync(integration.Name, ct);
        return Respond(integration);
    }

    public async Task<Products.DeletedResponse> DeleteAsync(string id, int? expectedVersion, CancellationToken ct)
    {
        var integration = await FindAsync(id, tracking: true, ct);
        Versioning.EnsureMatches(integration.Version, expectedVersion);
        var now = clock.GetUtcNow().UtcDateTime;
        integration.DeletedAt = now;
        integration.Touch(now);
        await Versioning.SaveAsync(db, ct);
        return new Products.DeletedResponse(integration.Id, true, now);
    }

    private async Task<Integration> FindAsync(string id, bool tracking, CancellationToken ct)
    {
        var query = tracking ? db.Integrations : db.Integrations.AsNoTracking();
        return await query.FirstOrDefaultAsync(i => i.Id == id, ct) ?? throw new NotFoundException(Resource, id);
    }

    private IntegrationResponse Respond(Integration integration) =>
        IntegrationResponse.From(integration, protector.Unprotect(integration.CredentialsCiphertext, integration.Id));

    private static void Apply(Integration integration, IntegrationWriteRequest request)
    {
        integration.Name = request.Name!.Trim();
        integration.Type = request.Type!;
        integration.Provider = request.Provider;
        integration.BaseUrl = request.BaseUrl!.TrimEnd('/');
        integration.HealthPath = request.HealthPath ?? "/health";
        integration.Status = request.Status ?? IntegrationStatuses.Active;
        integration.TimeoutMs = request.TimeoutMs ?? 10_000;
        integration.RetryPolicy = (request.RetryPolicy ?? new RetryPolicyDto()).ToPolicy();
        integration.CircuitBreaker = (request.CircuitBreaker ?? new CircuitBreakerDto()).ToSettings();
        integration.Events = request.Events?.Distinct(StringComparer.Ordinal).ToList() ?? [];
        integration.EventsPath = request.EventsPath;
    }

    private void SetCredentials(Integration integration, AuthenticationRequest auth)
    {
        integration.AuthType = auth.Type ?? IntegrationAuthTypes.None;
        var credentials = integration.AuthType switch
        {
            IntegrationAuthTypes.ApiKey => new IntegrationCredentials { ApiKey = auth.ApiKey, ApiKeyHeader = auth.HeaderName },
            IntegrationAuthTypes.OAuth2 => new IntegrationCredentials
            {
                TokenUrl = auth.TokenUrl,
                ClientId = auth.ClientId,
                ClientSecret = auth.ClientSecret,
                RefreshToken = auth.RefreshToken,
                Scope = auth.Scope,
            },
            _ => new IntegrationCredentials(),
        };
        integration.CredentialsCiphertext = protector.Protect(credentials, integration.Id);
        integration.CredentialsVersion++;
    }

    private async Task SaveAsync(string name, CancellationToken ct)
    {
        try
        {
            await Versioning.SaveAsync(db, ct);
        }
        catch (DbUpdateException e) when (e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
        {
            throw new ConflictException(
                "An integration with this name already exists",
                new Dictionary<string, object?> { ["name"] = new[] { $"Name '{name}' is already in use" } });
        }
    }
}
