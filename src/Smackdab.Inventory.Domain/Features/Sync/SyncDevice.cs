using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.Sync;

/// <summary>The last sync token handed to a device (X-Mobile-Device-Id), so that it can resume without keeping it.</summary>
public sealed class SyncDevice : ITenantOwned
{
    public string OrganizationId { get; set; } = "";

    public string DeviceId { get; set; } = "";

    public string LastToken { get; set; } = "";

    public long LastSequence { get; set; }

    public DateTime UpdatedAt { get; set; }
}

/// <summary>The HMAC key of sync tokens when none is configured: made once, shared by every instance through the database.</summary>
public sealed class SyncTokenSecret
{
    public int Id { get; set; }

    public byte[] Key { get; set; } = [];

    public DateTime CreatedAt { get; set; }
}
