using System.Security.Claims;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Api.Auth;

/// <summary>A credential bound to a branch cannot mint credentials that reach beyond that branch.</summary>
public static class BranchBinding
{
    public static void EnsureSameBranch(ClaimsPrincipal caller, string? requestedBranchId, string what)
    {
        if (caller.BranchId() is { } bound && requestedBranchId != bound)
        {
            throw new PermissionDeniedException(
                $"A branch-bound credential can only create {what} bound to its own branch",
                new Dictionary<string, object?> { ["branch_id"] = new[] { $"Must be {bound}" } });
        }
    }
}
