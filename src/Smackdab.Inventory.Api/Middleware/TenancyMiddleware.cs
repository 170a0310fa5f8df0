using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Api.Errors;
using Smackdab.Inventory.Api.Hosting;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Api.Middleware;

/// <summary>
/// Resolves X-Organization-ID, X-Branch-ID and X-Inventory-Mode into the scoped <see cref="TenantContext"/>
/// that every query filter reads. Runs after authentication and before authorization.
/// </summary>
public sealed class TenancyMiddleware(RequestDelegate next)
{
    public const string OrganizationHeader = "X-Organization-ID";
    public const string BranchHeader = "X-Branch-ID";
    public const string ModeHeader = "X-Inventory-Mode";
    public const string BranchIsolatedMode = "branch_isolated";
    public const string SharedMode = "shared";

    public async Task InvokeAsync(HttpContext context, TenantContext tenant, InventoryDbContext db, ErrorWriter errors, IOptions<PlatformOptions> platform, DefaultBranchCache defaultBranches)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is null || !context.Request.Path.StartsWithSegments("/v1"))
        {
            await next(context);
            return;
        }

        if (endpoint.Metadata.GetMetadata<RequirePlatformKeyAttribute>() is not null)
        {
            if (string.IsNullOrEmpty(platform.Value.ApiKey))
            {
                await errors.WriteAsync(context, 404, ErrorCodes.NotFound, $"No route matches {context.Request.Method} {context.Request.Path}");
                return;
            }

            await next(context);
            return;
        }

        var user = context.User;
        if (user.Identity?.IsAuthenticated != true)
        {
            // Authorization answers 401 with the reason.
            await next(context);
            return;
        }

        var organizationId = context.Request.Headers[OrganizationHeader].ToString();
        if (organizationId.Length == 0 && user.HasClaim(CallerClaims.StreamTicket, "true"))
        {
            // A browser stream cannot send headers: its ticket names the organization (and binds the branch if isolated).
            organizationId = user.OrganizationId() ?? "";
        }

        if (string.IsNullOrWhiteSpace(organizationId))
        {
            await errors.WriteAsync(context, 400, ErrorCodes.MissingHeader, $"The {OrganizationHeader} header is required",
                new Dictionary<string, object?> { [OrganizationHeader] = new[] { "Is required" } });
            return;
        }

        if (user.OrganizationId() != organizationId)
        {
            await errors.WriteAsync(context, 403, ErrorCodes.PermissionDenied, "The credential does not belong to this organization",
                new Dictionary<string, object?> { [OrganizationHeader] = new[] { "Does not match the credential's organization" } });
            return;
        }

        var mode = context.Request.Headers[ModeHeader].ToString();
        if (mode.Length > 0 && mode != BranchIsolatedMode && mode != SharedMode)
        {
            await errors.WriteAsync(context, 400, ErrorCodes.InvalidHeader, $"Unknown {ModeHeader}",
                new Dictionary<string, object?> { [ModeHeader] = new[] { $"Must be {SharedMode} or {BranchIsolatedMode}" } });
            return;
        }

        var requestedBranch = context.Request.Headers[BranchHeader].ToString();
        var keyBranch = user.BranchId();
        if (keyBranch is not null && requestedBranch.Length > 0 && requestedBranch != keyBranch)
        {
            await errors.WriteAsync(context, 403, ErrorCodes.PermissionDenied, "The credential is bound to another branch",
                new Dictionary<string, object?> { [BranchHeader] = new[] { $"Must be {keyBranch}" } });
            return;
        }

        var branchId = requestedBranch.Length > 0 ? requestedBranch : keyBranch;
        if (branchId is null)
        {
            branchId = await defaultBranches.GetAsync(db, organizationId, context.RequestAborted);
        }
        else if (!await db.Branches.IgnoreQueryFilters().AnyAsync(b => b.Id == branchId && b.OrganizationId == organizationId, context.RequestAborted))
        {
            await errors.WriteAsync(context, 400, ErrorCodes.InvalidHeader, $"Unknown {BranchHeader}",
                new Dictionary<string, object?> { [BranchHeader] = new[] { "No such branch in this organization" } });
            return;
        }

        // A branch-bound key is always isolated to its branch.
        var isolated = mode == BranchIsolatedMode || keyBranch is not null;
        if (isolated && mode == SharedMode && keyBranch is not null)
        {
            await errors.WriteAsync(context, 403, ErrorCodes.PermissionDenied, "A branch-bound credential cannot use shared inventory mode",
                new Dictionary<string, object?> { [ModeHeader] = new[] { $"Must be {BranchIsolatedMode}" } });
            return;
        }

        tenant.Set(organizationId, branchId, isolated);
        await next(context);
    }
}
