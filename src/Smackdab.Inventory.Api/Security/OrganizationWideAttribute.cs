using Microsoft.AspNetCore.Authorization;

namespace Smackdab.Inventory.Api.Security;

/// <summary>
/// Marks an endpoint that changes the whole organization (its settings, its branches). A credential bound to one branch is
/// refused (403) whatever its scopes: its authority ends at its branch. See docs/guarantees.md, "Branch model".
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class OrganizationWideAttribute : Attribute, IAuthorizationRequirementData
{
    public IEnumerable<IAuthorizationRequirement> GetRequirements() => [new OrganizationWideRequirement()];
}

public sealed record OrganizationWideRequirement : IAuthorizationRequirement;

public sealed class OrganizationWideRequirementHandler : AuthorizationHandler<OrganizationWideRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, OrganizationWideRequirement requirement)
    {
        if (context.User.BranchId() is null)
        {
            context.Succeed(requirement);
        }
        else
        {
            context.Fail(new AuthorizationFailureReason(this, "A branch-bound credential cannot change organization-wide settings or branches"));
        }

        return Task.CompletedTask;
    }
}
