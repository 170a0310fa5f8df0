using Microsoft.EntityFrameworkCore;

namespace Smackdab.Inventory.Domain.Common;

/// <summary>Optimistic concurrency on the <c>version</c> column (ETag "version-N", If-Match).</summary>
public static class Versioning
{
    public static void EnsureMatches(int currentVersion, int? expectedVersion)
    {
        if (expectedVersion is { } expected && expected != currentVersion)
        {
            throw VersionConflict(currentVersion, expected);
        }
    }

    /// <summary>Saves, turning a lost race on the version column into 409 CONFLICT.</summary>
    public static async Task SaveAsync(DbContext db, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException e)
        {
            var entry = e.Entries.Count > 0 ? e.Entries[0] : null;
            var current = entry is null ? null : await entry.GetDatabaseValuesAsync(ct);
            var currentVersion = current?.TryGetValue<int>("Version", out var v) == true ? v : (int?)null;
            // The version this update was based on: the If-Match version when one was sent (it matched when read).
            var providedVersion = entry?.OriginalValues.TryGetValue<int>("Version", out var p) == true ? p : (int?)null;
            throw new ConflictException(
                "Resource has been modified",
                new Dictionary<string, object?> { ["current_version"] = currentVersion, ["provided_version"] = providedVersion });
        }
    }

    public static ConflictException VersionConflict(int currentVersion, int providedVersion) =>
        new("Resource has been modified", new Dictionary<string, object?>
        {
            ["current_version"] = currentVersion,
            ["provided_version"] = providedVersion,
        });
}
