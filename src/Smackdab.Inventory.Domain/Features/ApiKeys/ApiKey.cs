using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.ApiKeys;

/// <summary>An API key. Only the SHA-256 hash of the secret is stored; the secret is shown once.</summary>
public sealed class ApiKey : ITenantOwned, IBranchOwned
{
    public string Id { get; set; } = "";

    public string OrganizationId { get; set; } = "";

    /// <summary>When set, the key may act only on this branch.</summary>
    public string? BranchId { get; set; }

    public string Name { get; set; } = "";

    /// <summary>The first characters of the secret, safe to show and log (e.g. <c>sk_live_ab12</c>).</summary>
    public string Prefix { get; set; } = "";

    public string SecretHash { get; set; } = "";

    public List<string> Scopes { get; set; } = [];

    public DateTime CreatedAt { get; set; }

    public DateTime? LastUsedAt { get; set; }

    public DateTime? RevokedAt { get; set; }
}
