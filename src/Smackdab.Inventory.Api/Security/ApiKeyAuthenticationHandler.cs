using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Api.Hosting;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.ApiKeys;

namespace Smackdab.Inventory.Api.Security;

/// <summary>Authenticates X-API-Key: the platform key from configuration, or an organization's key by its hash.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    InventoryDbContext db,
    IOptions<PlatformOptions> platform,
    ApiKeyCache cache,
    TimeProvider clock)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string Header = "X-API-Key";

    // last_used_at is written at most this often per key, so that reads stay reads.
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var secret = Request.Headers[Header].ToString();
        if (string.IsNullOrEmpty(secret))
        {
            return AuthenticateResult.NoResult();
        }

        if (platform.Value.ApiKey is { Length: > 0 } platformKey && ApiKeySecrets.FixedTimeEquals(secret, platformKey))
        {
            var identity = new ClaimsIdentity([new Claim(CallerClaims.Platform, "true")], SchemeName);
            return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
        }

        var hash = ApiKeySecrets.Hash(secret);
        var key = cache.Find(hash);
        if (key is null)
        {
            var generation = cache.Generation;
            var row = await db.ApiKeys.IgnoreQueryFilters().AsNoTracking()
                .Where(k => k.SecretHash == hash && k.RevokedAt == null)
                .Select(k => new { k.Id, k.OrganizationId, k.BranchId, k.Scopes, k.LastUsedAt })
                .FirstOrDefaultAsync(Context.RequestAborted);
            if (row is null)
            {
                Logger.LogInformation("Rejected unknown or revoked API key with prefix {KeyPrefix}", ApiKeySecrets.DisplayPrefix(secret));
                return AuthenticateResult.Fail("Unknown or revoked API key");
            }

            key = new VerifiedApiKey(row.Id, row.OrganizationId, row.BranchId, row.Scopes, row.LastUsedAt);
            cache.Store(hash, key, generation);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (key.LastUsedAt is null || now - key.LastUsedAt > LastUsedResolution)
        {
            var generation = cache.Generation;
            await db.ApiKeys.IgnoreQueryFilters().Where(k => k.Id == key.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), Context.RequestAborted);
            cache.Store(hash, key with { LastUsedAt = now }, generation);
        }

        var claims = new List<Claim>
        {
            new(CallerClaims.Organization, key.OrganizationId),
            new(CallerClaims.KeyId, key.Id),
        };
        if (key.BranchId is not null)
        {
            claims.Add(new Claim(CallerClaims.Branch, key.BranchId));
        }

        claims.AddRange(key.Scopes.Select(s => new Claim(CallerClaims.Scope, s)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }
}
