using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.Events;

/// <summary>
/// A short-lived, single-use credential for browsers, which cannot send headers with EventSource or WebSocket:
/// <c>POST /v1/stream-tickets</c> with a real credential, then <c>?ticket=</c> on the stream URL. Only its hash is stored.
/// It carries the issuing caller's organization, branch isolation and scopes, never more.
/// </summary>
[NotTenantFiltered("Single-use ticket looked up by hash from a tenant-less stream connection, like OAuth codes")]
public sealed class StreamTicket
{
    /// <summary>SHA-256 (hex) of the ticket secret.</summary>
    public string Id { get; set; } = "";

    public string OrganizationId { get; set; } = "";

    /// <summary>Set when the issuing request was branch-isolated: the stream is isolated to this branch.</summary>
    public string? BranchId { get; set; }

    public List<string> Scopes { get; set; } = [];

    public string? KeyId { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    public DateTime? UsedAt { get; set; }
}
