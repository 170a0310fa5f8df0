using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Smackdab.Inventory.Api.Auth;
using Smackdab.Inventory.Api.Errors;
using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Api.Security;

/// <summary>Answers failed authentication (401) and missing scopes (403) with the error envelope.</summary>
public sealed class EnvelopeAuthorizationResultHandler(ErrorWriter writer) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Challenged)
        {
            var authentication = await context.AuthenticateAsync();
            var reason = authentication.Failure?.Message ?? Challenges.MissingCredentialReason;
            Challenges.Write401(context, authentication);
            await writer.WriteAsync(context, 401, ErrorCodes.AuthenticationFailed, "Authentication failed",
                new Dictionary<string, object?> { ["reason"] = reason });
            return;
        }

        if (authorizeResult.Forbidden)
        {
            var reasons = authorizeResult.AuthorizationFailure?.FailureReasons.Select(r => r.Message).ToArray() ?? [];
            var required = policy.Requirements.OfType<ScopeRequirement>().Select(r => r.Scope).ToArray();
            Challenges.Write403(context, required);
            await writer.WriteAsync(context, 403, ErrorCodes.PermissionDenied,
                reasons.FirstOrDefault() ?? "Permission denied",
                new Dictionary<string, object?> { ["required_scopes"] = required });
            return;
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
