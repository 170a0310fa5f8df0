using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.ApiKeys;

namespace Smackdab.Inventory.Domain.Features.OAuth;

/// <summary>
/// What an access token is issued for: the caller the API will see. <c>Subject</c> is the client id (client credentials) or
/// the id of the admin API key that consented (authorization code); <c>GrantId</c> is the token family of an authorization
/// code grant (sent as <c>sid</c>), null for client credentials.
/// </summary>
public sealed record TokenGrant(string ClientId, string OrganizationId, string? BranchId, string Subject, IReadOnlyList<string> Scopes, string? GrantId);

/// <summary>A grant and, for the authorization code and refresh token grants, the new refresh token.</summary>
public sealed record GrantResult(TokenGrant Grant, string? RefreshToken);

/// <summary>An approved authorization request, ready to become a code.</summary>
public sealed record ApprovedAuthorization(
    string Subject, string? BranchId, IReadOnlyList<string> Scopes, string RedirectUri, bool RedirectUriSupplied, string CodeChallenge);

/// <summary>An admin API key that may consent for its organization.</summary>
public sealed record ConsentingKey(string Id, string OrganizationId, string? BranchId);

/// <summary>
/// The authorization server's grants (RFC 6749): authorization codes with PKCE, rotating refresh tokens, client credentials,
/// and revocation. Single use is enforced by conditional updates in PostgreSQL, never by in-process state.
/// </summary>
public sealed class OAuthGrantService(InventoryDbContext db, TimeProvider clock, IOptions<OAuthOptions> options)
{
    public const string GrantRevocation = "grant";
    public const string AccessTokenRevocation = "access_token";

    // last_used_at is written at most this often per client, so that token requests stay cheap.
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    // Compared against when the client id is unknown, so that unknown and known clients take the same path.
    private static readonly string UnknownClientHash = OAuthSecrets.Hash("unknown client " + Guid.NewGuid());

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private OAuthOptions Options => options.Value;

    public Task<OAuthClient?> FindActiveClientAsync(string? clientId, CancellationToken ct) =>
        string.IsNullOrEmpty(clientId) || clientId.Length > 64
            ? Task.FromResult<OAuthClient?>(null)
            : db.OAuthClients.IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(c => c.Id == clientId && c.RevokedAt == null, ct);

    /// <summary>The client, if the secret is its secret (compared in constant time); records the use. Null otherwise.</summary>
    public async Task<OAuthClient?> AuthenticateClientAsync(string clientId, string secret, CancellationToken ct)
    {
        var client = await FindActiveClientAsync(clientId, ct);
        var matches = OAuthSecrets.Matches(secret, client?.SecretHash ?? UnknownClientHash);
        if (client is null || !matches)
        {
            return null;
        }

        var now = Now;
        if (client.LastUsedAt is null || now - client.LastUsedAt > LastUsedResolution)
        {
            await db.OAuthClients.IgnoreQueryFilters().Where(c => c.Id == client.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.LastUsedAt, now), ct);
            client.LastUsedAt = now;
        }

        return client;
    }

    /// <summary>The admin key presented on the consent page, if it is an active inventory.admin key of the organization.</summary>
    public async Task<ConsentingKey?> FindConsentingKeyAsync(string? secret, string organizationId, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length > 256)
        {
            return null;
        }

        var hash = ApiKeySecrets.Hash(secret);
        var key = await db.ApiKeys.IgnoreQueryFilters().AsNoTracking()
            .Where(k => k.SecretHash == hash && k.RevokedAt == null && k.OrganizationId == organizationId)
            .Select(k => new { k.Id, k.OrganizationId, k.BranchId, k.Scopes })
            .FirstOrDefaultAsync(ct);
        return key is not null && key.Scopes.Contains(Scopes.Admin) ? new ConsentingKey(key.Id, key.OrganizationId, key.BranchId) : null;
    }

    /// <summary>Stores a new single-use code for an approved request and returns it (only its hash is kept).</summary>
    public async Task<string> IssueCodeAsync(OAuthClient client, ApprovedAuthorization approved, CancellationToken ct)
    {
        var code = OAuthSecrets.NewCode();
        var now = Now;
        db.OAuthAuthorizationCodes.Add(new OAuthAuthorizationCode
        {
            CodeHash = OAuthSecrets.Hash(code),
            ClientId = client.Id,
            OrganizationId = client.OrganizationId,
            BranchId = approved.BranchId,
            Subject = approved.Subject,
            Scopes = approved.Scopes.ToList(),
            RedirectUri = approved.RedirectUri,
            RedirectUriSupplied = approved.RedirectUriSupplied,
            CodeChallenge = approved.CodeChallenge,
            GrantId = OAuthSecrets.NewGrantId(),
            CreatedAt = now,
            ExpiresAt = now.AddSeconds(Options.AuthorizationCodeLifetimeSeconds),
        });
        await db.SaveChangesAsync(ct);
        return code;
    }

    /// <summary>
    /// grant_type=authorization_code. The code is consumed first (atomically), then checked, so that a failed PKCE check also
    /// kills it. A second use of a code revokes everything issued for it (RFC 6749 section 4.1.2).
    /// </summary>
    public async Task<GrantResult> RedeemCodeAsync(OAuthClient client, string? code, string? redirectUri, string? codeVerifier, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(code))
        {
            throw new OAuthException(OAuthErrors.InvalidRequest, "code is required");
        }

        if (string.IsNullOrEmpty(codeVerifier))
        {
            throw new OAuthException(OAuthErrors.InvalidRequest, "code_verifier is required (PKCE)");
        }

        var hash = OAuthSecrets.Hash(code);
        var now = Now;
        var consumed = await db.OAuthAuthorizationCodes
            .Where(c => c.CodeHash == hash && c.ClientId == client.Id && c.ConsumedAt == null && c.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.ConsumedAt, now), ct);
        var record = await db.OAuthAuthorizationCodes.AsNoTracking().FirstOrDefaultAsync(c => c.CodeHash == hash, ct);
        if (consumed == 0 || record is null)
        {
            if (record is null || record.ClientId != client.Id)
            {
                throw new OAuthException(OAuthErrors.InvalidGrant, "The authorization code is invalid");
            }

            if (record.ConsumedAt is not null)
            {
                await RevokeGrantAsync(record.GrantId, ct);
                throw new OAuthException(OAuthErrors.InvalidGrant, "The authorization code has already been used; the tokens issued for it are revoked");
            }

            throw new OAuthException(OAuthErrors.InvalidGrant, "The authorization code has expired");
        }

        var redirectMatches = redirectUri is null ? !record.RedirectUriSupplied : redirectUri == record.RedirectUri;
        if (!redirectMatches)
        {
            throw new OAuthException(OAuthErrors.InvalidGrant, "redirect_uri does not match the authorization request");
        }

        if (!Pkce.IsWellFormed(codeVerifier) || !Pkce.Verify(codeVerifier, record.CodeChallenge))
        {
            throw new OAuthException(OAuthErrors.InvalidGrant, "PKCE verification failed: code_verifier does not match code_challenge");
        }

        var grant = new TokenGrant(client.Id, record.OrganizationId, record.BranchId, record.Subject, OAuthScopes.Narrow(record.Scopes, client.Scopes), record.GrantId);
        var refreshToken = AddRefreshToken(grant, record.Scopes, now);
        await db.SaveChangesAsync(ct);
        return new GrantResult(grant, refreshToken);
    }

    /// <summary>
    /// grant_type=refresh_token. The presented token is marked used and a new one of the same grant is returned. A token that
    /// was already used means it leaked (or a race lost): the whole grant is revoked.
    /// </summary>
    public async Task<GrantResult> RefreshAsync(OAuthClient client, string? refreshToken, string? scope, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(refreshToken))
        {
            throw new OAuthException(OAuthErrors.InvalidRequest, "refresh_token is required");
        }

        var hash = OAuthSecrets.Hash(refreshToken);
        var now = Now;
        OAuthRefreshToken? record;
        await using (var transaction = await db.BeginOrJoinTransactionAsync(ct))
        {
            var used = await db.OAuthRefreshTokens
                .Where(t => t.TokenHash == hash && t.ClientId == client.Id && t.UsedAt == null && t.RevokedAt == null && t.ExpiresAt > now)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.UsedAt, now), ct);
            record = await db.OAuthRefreshTokens.AsNoTracking().FirstOrDefaultAsync(t => t.TokenHash == hash, ct);
            if (used == 1 && record is not null)
            {
                // Scope may only narrow what was granted, and never beyond what the client is allowed today.
                var granted = OAuthScopes.Narrow(record.Scopes, client.Scopes);
                var scopes = scope is null ? granted : OAuthScopes.Resolve(scope, granted);
                var grant = new TokenGrant(client.Id, record.OrganizationId, record.BranchId, record.Subject, scopes, record.GrantId);
                var next = AddRefreshToken(grant, record.Scopes, now);
                await db.SaveChangesAsync(ct);
                await transaction.CommitAsync(ct);
                return new GrantResult(grant, next);
            }
        }

        if (record is null || record.ClientId != client.Id)
        {
            throw new OAuthException(OAuthErrors.InvalidGrant, "The refresh token is invalid");
        }

        if (record.RevokedAt is not null)
        {
            throw new OAuthException(OAuthErrors.InvalidGrant, "The refresh token has been revoked");
        }

        if (record.UsedAt is not null)
        {
            await RevokeGrantAsync(record.GrantId, ct);
            throw new OAuthException(OAuthErrors.InvalidGrant, "The refresh token was already used; the grant and all its tokens are revoked");
        }

        throw new OAuthException(OAuthErrors.InvalidGrant, "The refresh token has expired");
    }

    /// <summary>grant_type=client_credentials: the client acts for its own organization, with at most its allowed scopes.</summary>
    public static TokenGrant ClientCredentials(OAuthClient client, string? scope) =>
        new(client.Id, client.OrganizationId, client.BranchId, client.Id, OAuthScopes.Resolve(scope, client.Scopes), null);

    /// <summary>RFC 7009 for refresh tokens: revokes the token's whole grant, if the token belongs to the client.</summary>
    public async Task<bool> RevokeRefreshTokenAsync(OAuthClient client, string token, CancellationToken ct)
    {
        var hash = OAuthSecrets.Hash(token);
        var grantId = await db.OAuthRefreshTokens.AsNoTracking()
            .Where(t => t.TokenHash == hash && t.ClientId == client.Id)
            .Select(t => t.GrantId)
            .FirstOrDefaultAsync(ct);
        if (grantId is null)
        {
            return false;
        }

        await RevokeGrantAsync(grantId, ct);
        return true;
    }

    /// <summary>Refuses one access token (by jti) until it would have expired anyway.</summary>
    public Task<int> RevokeAccessTokenAsync(string tokenId, DateTime expiresAt, CancellationToken ct) =>
        AddRevocationAsync(tokenId, AccessTokenRevocation, expiresAt, ct);

    /// <summary>Kills a grant: its refresh tokens, and (through <c>sid</c>) every access token issued under it.</summary>
    public async Task RevokeGrantAsync(string grantId, CancellationToken ct)
    {
        var now = Now;
        await db.OAuthRefreshTokens.Where(t => t.GrantId == grantId && t.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now), ct);
        // Access tokens of the grant live at most a day (JwtOptions) after the last refresh, which is before the last refresh token expires.
        await AddRevocationAsync(grantId, GrantRevocation, now.AddDays(Options.RefreshTokenLifetimeDays + 1), ct);
    }

    /// <summary>
    /// True when an access token must be refused although its signature is good: its jti or grant was revoked, or its client
    /// was revoked or no longer exists. One indexed query.
    /// </summary>
    public async Task<bool> IsAccessTokenRevokedAsync(string tokenId, string? grantId, string clientId, CancellationToken ct)
    {
        var state = await db.OAuthClients.IgnoreQueryFilters().AsNoTracking()
            .Where(c => c.Id == clientId)
            .Select(c => new
            {
                ClientRevoked = c.RevokedAt != null,
                TokenRevoked = db.OAuthRevocations.Any(r => r.Id == tokenId || (grantId != null && r.Id == grantId)),
            })
            .FirstOrDefaultAsync(ct);
        return state is null || state.ClientRevoked || state.TokenRevoked;
    }

    /// <summary>The refresh token's record, for introspection.</summary>
    public Task<OAuthRefreshToken?> FindRefreshTokenAsync(string token, CancellationToken ct)
    {
        var hash = OAuthSecrets.Hash(token);
        return db.OAuthRefreshTokens.AsNoTracking().FirstOrDefaultAsync(t => t.TokenHash == hash, ct);
    }

    /// <summary>Deletes codes, refresh tokens and revocations that can no longer match anything.</summary>
    public async Task<int> PurgeExpiredAsync(CancellationToken ct)
    {
        var now = Now;
        var horizon = now.AddDays(-1);
        var codes = await db.OAuthAuthorizationCodes.Where(c => c.ExpiresAt < horizon).ExecuteDeleteAsync(ct);
        var refreshTokens = await db.OAuthRefreshTokens.Where(t => t.ExpiresAt < horizon).ExecuteDeleteAsync(ct);
        var revocations = await db.OAuthRevocations.Where(r => r.ExpiresAt < now).ExecuteDeleteAsync(ct);
        return codes + refreshTokens + revocations;
    }

    private string AddRefreshToken(TokenGrant grant, IReadOnlyList<string> scopes, DateTime now)
    {
        var token = OAuthSecrets.NewRefreshToken();
        db.OAuthRefreshTokens.Add(new OAuthRefreshToken
        {
            TokenHash = OAuthSecrets.Hash(token),
            GrantId = grant.GrantId!,
            ClientId = grant.ClientId,
            OrganizationId = grant.OrganizationId,
            BranchId = grant.BranchId,
            Subject = grant.Subject,
            Scopes = scopes.ToList(),
            CreatedAt = now,
            ExpiresAt = now.AddDays(Options.RefreshTokenLifetimeDays),
        });
        return token;
    }

    private Task<int> AddRevocationAsync(string id, string kind, DateTime expiresAt, CancellationToken ct)
    {
        var now = Now;
        return db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO oauth_revocations (id, kind, created_at, expires_at) VALUES ({id}, {kind}, {now}, {expiresAt}) ON CONFLICT (id) DO NOTHING",
            ct);
    }
}
