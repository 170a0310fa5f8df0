using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.Idempotency;

/// <summary>
/// A stored answer to a mutation sent with an Idempotency-Key, scoped to organization + credential + endpoint
/// (method and route template) + key. Written in the same transaction as the mutation's effect. Secrets in the answer
/// (a new API key's or OAuth client's) are never stored: they are blanked before the record is written.
/// </summary>
public sealed class IdempotencyRecord : ITenantOwned
{
    public string OrganizationId { get; set; } = "";

    /// <summary>The credential that sent the request ("key:…" or "oauth:client:subject"): another credential's key is another key.</summary>
    public string CredentialId { get; set; } = "";

    /// <summary>"POST /v1/products": method and route template, not the concrete path.</summary>
    public string Endpoint { get; set; } = "";

    public string Key { get; set; } = "";

    /// <summary>"sha256:…" of method, concrete path and query, X-Branch-ID and X-Inventory-Mode, and the canonical JSON body.</summary>
    public string RequestHash { get; set; } = "";

    public int ResponseStatus { get; set; }

    /// <summary>The response body exactly as first sent (the envelope JSON).</summary>
    public string ResponseBody { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public DateTime ExpiresAt { get; set; }
}
