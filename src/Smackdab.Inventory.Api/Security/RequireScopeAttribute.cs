using Microsoft.AspNetCore.Authorization;
using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Api.Security;

/// <summary>Declares, next to the endpoint, the permission scope it needs. inventory.admin satisfies any scope.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class RequireScopeAttribute(string scope) : Attribute, IAuthorizationRequirementData
{
    public string Scope { get; } = scope;

    public IEnumerable<IAuthorizationRequirement> GetRequirements() => [new ScopeRequirement(Scope)];
}

public sealed record ScopeRequirement(string Scope) : IAuthorizationRequirement;

public sealed class ScopeRequirementHandler : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        if (Scopes.Grants(context.User.Scopes(), requirement.Scope))
        {
            context.Succeed(requirement);
        }
        else
        {
            context.Fail(new AuthorizationFailureReason(this, $"This endpoint requires the scope {requirement.Scope}"));
        }

        return Task.CompletedTask;
    }
}

/// <summary>Marks the platform-only endpoints (organization provisioning).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class RequirePlatformKeyAttribute : Attribute, IAuthorizationRequirementData
{
    public IEnumerable<IAuthorizationRequirement> GetRequirements() => [new PlatformRequirement()];
}

public sealed record PlatformRequirement : IAuthorizationRequirement;

public sealed class PlatformRequirementHandler : AuthorizationHandler<PlatformRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PlatformRequirement requirement)
    {
        if (context.User.IsPlatform())
        {
            context.Succeed(requirement);
        }
        else
        {
            context.Fail(new AuthorizationFailureReason(this, "This endpoint requires the platform administrator key"));
        }

        return Task.CompletedTask;
    }
}
