using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Paging;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Domain.Features.OAuth;

/// <summary>Registers and manages an organization's OAuth clients (the <c>/v1/oauth/clients</c> resource).</summary>
public sealed class OAuthClientService(InventoryDbContext db, TenantContext tenant, TimeProvider clock)
{
    public const string Resource = "OAuth client";

    private static readonly IReadOnlyList<SortField<OAuthClient>> SortFields =
    [
        Pager.Timestamp<OAuthClient>("created_at", c => c.CreatedAt),
        Pager.Text<OAuthClient>("name", c => c.Name),
    ];

    public async Task<OAuthClientResponse> CreateAsync(CreateOAuthClientRequest request, CancellationToken ct)
    {
        if (request.BranchId is { } branchId && !await db.Branches.AnyAsync(b => b.Id == branchId, ct))
        {
            throw new ValidationFailedException("branch_id", "Branch not found");
        }

        var secret = OAuthSecrets.NewClientSecret();
        var client = new OAuthClient
        {
            Id = OAuthSecrets.NewClientId(),
            OrganizationId = tenant.RequireOrganization(),
            BranchId = request.BranchId,
            Name = request.Name!.Trim(),
            SecretPrefix = OAuthSecrets.DisplayPrefix(secret),
            SecretHash = OAuthSecrets.Hash(secret),
            Scopes = request.Scopes!.Distinct(StringComparer.Ordinal).ToList(),
            RedirectUris = (request.RedirectUris ?? []).Distinct(StringComparer.Ordinal).ToList(),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.OAuthClients.Add(client);
        await db.SaveChangesAsync(ct);
        return OAuthClientResponse.From(client, secret);
    }

    public async Task<PagedResult<OAuthClientResponse>> ListAsync(ListRequest request, CancellationToken ct)
    {
        var query = db.OAuthClients.AsNoTracking();
        if (request.Filter("status") is { } status)
        {
            query = status == "revoked" ? query.Where(c => c.RevokedAt != null) : query.Where(c => c.RevokedAt == null);
        }

        var page = await Pager.PageAsync(query, request, SortFields, c => c.Id, ct);
        return page.Map(c => OAuthClientResponse.From(c));
    }

    public async Task<OAuthClientResponse> GetAsync(string id, CancellationToken ct) =>
        OAuthClientResponse.From(await db.OAuthClients.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct) ?? throw new NotFoundException(Resource, id));

    /// <summary>Revokes the client: its secret stops working, its refresh tokens die and its access tokens are refused.</summary>
    public async Task<OAuthClientResponse> RevokeAsync(string id, CancellationToken ct)
    {
        var client = await db.OAuthClients.FirstOrDefaultAsync(c => c.Id == id, ct) ?? throw new NotFoundException(Resource, id);
        var now = clock.GetUtcNow().UtcDateTime;
        if (client.RevokedAt is null)
        {
            client.RevokedAt = now;
            await db.InTransactionAsync(async () =>
            {
                await db.SaveChangesAsync(ct);
                await db.OAuthRefreshTokens.Where(t => t.ClientId == client.Id && t.RevokedAt == null)
                    .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now), ct);
            }, ct);
        }

        return OAuthClientResponse.From(client);
    }
}
