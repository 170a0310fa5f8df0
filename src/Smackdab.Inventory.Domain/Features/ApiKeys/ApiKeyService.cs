using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Paging;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Domain.Features.ApiKeys;

public sealed class ApiKeyService(InventoryDbContext db, TenantContext tenant, TimeProvider clock)
{
    private static readonly IReadOnlyList<SortField<ApiKey>> SortFields =
    [
        Pager.Timestamp<ApiKey>("created_at", k => k.CreatedAt),
        Pager.Text<ApiKey>("name", k => k.Name),
    ];

    public async Task<ApiKeyResponse> CreateAsync(CreateApiKeyRequest request, CancellationToken ct)
    {
        if (request.BranchId is { } branchId && !await db.Branches.AnyAsync(b => b.Id == branchId, ct))
        {
            throw new ValidationFailedException("branch_id", "Branch not found");
        }

        var (key, secret) = NewKey(tenant.RequireOrganization(), request.Name!, request.Scopes!.Distinct().ToList(), request.BranchId, clock.GetUtcNow().UtcDateTime);
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(ct);
        return ApiKeyResponse.From(key, secret);
    }

    public async Task<PagedResult<ApiKeyResponse>> ListAsync(ListRequest request, CancellationToken ct)
    {
        var query = db.ApiKeys.AsNoTracking();
        if (request.Filter("status") is { } status)
        {
            query = status == "revoked" ? query.Where(k => k.RevokedAt != null) : query.Where(k => k.RevokedAt == null);
        }

        var page = await Pager.PageAsync(query, request, SortFields, k => k.Id, ct);
        return page.Map(k => ApiKeyResponse.From(k));
    }

    public async Task<ApiKeyResponse> GetAsync(string id, CancellationToken ct) =>
        ApiKeyResponse.From(await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Id == id, ct) ?? throw new NotFoundException("API key", id));

    /// <summary>
    /// PostgreSQL NOTIFY channel that carries the id of every revoked key, sent in the revoking transaction (so at its
    /// commit): every API instance evicts the key from its cache of verified keys.
    /// </summary>
    public const string RevokedChannel = "smackdab_api_key_revoked";

    public async Task<ApiKeyResponse> RevokeAsync(string id, CancellationToken ct)
    {
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id, ct) ?? throw new NotFoundException("API key", id);
        key.RevokedAt ??= clock.GetUtcNow().UtcDateTime;
        await db.InTransactionAsync(async () =>
        {
            await db.SaveChangesAsync(ct);
            await db.Database.ExecuteSqlAsync($"SELECT pg_notify({RevokedChannel}, {key.Id})", ct);
        }, ct);
        return ApiKeyResponse.From(key);
    }

    /// <summary>A new key and its secret; the caller adds it to the context.</summary>
    public static (ApiKey Key, string Secret) NewKey(string organizationId, string name, List<string> scopes, string? branchId, DateTime now, string? secret = null)
    {
        secret ??= ApiKeySecrets.NewSecret();
        var key = new ApiKey
        {
            Id = PublicId.New(PublicId.ApiKey),
            OrganizationId = organizationId,
            BranchId = branchId,
            Name = name,
            Prefix = ApiKeySecrets.DisplayPrefix(secret),
            SecretHash = ApiKeySecrets.Hash(secret),
            Scopes = scopes,
            CreatedAt = now,
        };
        return (key, secret);
    }
}
