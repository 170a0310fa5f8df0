using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.Sync;

/// <summary>Public id prefixes of the sync resources.</summary>
public static class SyncIds
{
    public const string Export = "exp";
    public const string Import = "imp";
    public const string Mapping = "map";
    public const string Schedule = "sched";
    public const string Conflict = "conf";
    public const string CostAdjustment = "adj";

    public static string New(string prefix) => PublicId.New(prefix);
}
