using System.Security.Claims;

namespace Smackdab.Inventory.Api.Security;

/// <summary>Claim names every authentication scheme of this API produces.</summary>
public static class CallerClaims
{
    public const string Organization = "org";
    public const string Branch = "branch";
    public const string Scope = "scope";
    public const string KeyId = "key_id";
    public const string Platform = "platform";

    /// <summary>Set when the caller authenticated with a stream ticket; the organization then comes from the ticket.</summary>
    public const string StreamTicket = "stream_ticket";

    public static string? OrganizationId(this ClaimsPrincipal user) => user.FindFirstValue(Organization);

    public static string? BranchId(this ClaimsPrincipal user) => user.FindFirstValue(Branch);

    public static bool IsPlatform(this ClaimsPrincipal user) => user.HasClaim(Platform, "true");

    public static IEnumerable<string> Scopes(this ClaimsPrincipal user) => user.FindAll(Scope).Select(c => c.Value);
}
