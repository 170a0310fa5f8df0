using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.OAuth;

/// <summary>
/// A third-party integration registered by an organization. Its id is the OAuth <c>client_id</c>; only the SHA-256 hash of
/// its secret is stored. Tokens issued to it never carry more than <see cref="Scopes"/>.
/// </summary>
public sealed class OAuthClient : ITenantOwned, IBranchOwned
{
    public string Id { get; set; } = "";

    public string OrganizationId { get; set; } = "";

    /// <summary>When set, tokens issued to the client may act only on this branch.</summary>
    public string? BranchId { get; set; }

    public string Name { get; set; } = "";

    /// <summary>The first characters of the secret, safe to show and log.</summary>
    public string SecretPrefix { get; set; } = "";

    public string SecretHash { get; set; } = "";

    /// <summary>The scopes the client may be granted.</summary>
    public List<string> Scopes { get; set; } = [];

    /// <summary>Exact redirect URIs for the authorization code flow; empty for client-credentials-only clients.</summary>
    public List<string> RedirectUris { get; set; } = [];

    public DateTime CreatedAt { get; set; }

    public DateTime? LastUsedAt { get; set; }

    public DateTime? RevokedAt { get; set; }
}

/// <summary>An authorization code: single use, short-lived, bound to the client, redirect URI and PKCE challenge.</summary>
[NotTenantFiltered("Looked up by code hash from the tenant-less /oauth/token endpoint; never listed")]
public sealed class OAuthAuthorizationCode
{
    /// <summary>SHA-256 of the code; the code itself is never stored.</summary>
    public string CodeHash { get; set; } = "";

    public string ClientId { get; set; } = "";

    public string OrganizationId { get; set; } = "";

    public string? BranchId { get; set; }

    /// <summary>The id of the admin API key that consented.</summary>
    public string Subject { get; set; } = "";

    public List<string> Scopes { get; set; } = [];

    public string RedirectUri { get; set; } = "";

    /// <summary>True when the authorization request named the redirect URI, which the token request must then repeat.</summary>
    public bool RedirectUriSupplied { get; set; }

    /// <summary>PKCE S256 challenge: BASE64URL(SHA-256(code_verifier)).</summary>
    public string CodeChallenge { get; set; } = "";

    /// <summary>The grant (token family) that redeeming the code starts.</summary>
    public string GrantId { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    public DateTime? ConsumedAt { get; set; }
}

/// <summary>
/// A refresh token, stored as its hash. Every use rotates it: the used token is dead and a new one of the same grant
/// (<see cref="GrantId"/>) replaces it. Presenting a used token again revokes the whole grant.
/// </summary>
[NotTenantFiltered("Looked up by token hash from the tenant-less /oauth endpoints; never listed")]
public sealed class OAuthRefreshToken
{
    public string TokenHash { get; set; } = "";

    public string GrantId { get; set; } = "";

    public string ClientId { get; set; } = "";

    public string OrganizationId { get; set; } = "";

    public string? BranchId { get; set; }

    public string Subject { get; set; } = "";

    public List<string> Scopes { get; set; } = [];

    public DateTime CreatedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    public DateTime? UsedAt { get; set; }

    public DateTime? RevokedAt { get; set; }
}

/// <summary>
/// A revoked access token (<c>jti</c>) or grant (<c>sid</c> of every access token of the grant). Kept until every token it
/// could match has expired.
/// </summary>
public sealed class OAuthRevocation
{
    /// <summary>The revoked jti or grant id.</summary>
    public string Id { get; set; } = "";

    /// <summary><c>access_token</c> or <c>grant</c>.</summary>
    public string Kind { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public DateTime ExpiresAt { get; set; }
}
