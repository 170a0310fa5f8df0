using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.OAuth;

/// <summary>The space-separated <c>scope</c> parameter of RFC 6749 section 3.3, checked against a client's allowed scopes.</summary>
public static class OAuthScopes
{
    public static IReadOnlyList<string> Parse(string? scope) =>
        (scope ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();

    public static string Format(IEnumerable<string> scopes) => string.Join(' ', scopes);

    /// <summary>
    /// The scopes to grant: all of <paramref name="allowed"/> when nothing is requested, else the requested ones if each is
    /// allowed (<c>inventory.admin</c> in <paramref name="allowed"/> allows every scope). Anything else is invalid_scope.
    /// </summary>
    public static IReadOnlyList<string> Resolve(string? requested, IReadOnlyCollection<string> allowed) =>
        TryResolve(requested, allowed, out var scopes, out var error) ? scopes : throw new OAuthException(OAuthErrors.InvalidScope, error!);

    /// <summary><see cref="Resolve"/> without the exception: false with the invalid_scope description.</summary>
    public static bool TryResolve(string? requested, IReadOnlyCollection<string> allowed, out IReadOnlyList<string> scopes, out string? error)
    {
        var parsed = Parse(requested);
        scopes = parsed.Count == 0 ? allowed.ToList() : parsed;
        error = null;
        var unknown = parsed.Where(s => !Scopes.IsKnown(s)).ToList();
        if (unknown.Count > 0)
        {
            error = $"Unknown scope: {string.Join(' ', unknown)}";
            return false;
        }

        var beyond = parsed.Where(s => !Scopes.Grants(allowed, s)).ToList();
        if (beyond.Count > 0)
        {
            error = $"The client may not be granted: {string.Join(' ', beyond)}";
            return false;
        }

        return true;
    }

    /// <summary>The part of <paramref name="granted"/> that <paramref name="allowed"/> still allows (a client's scopes may have shrunk).</summary>
    public static IReadOnlyList<string> Narrow(IEnumerable<string> granted, IReadOnlyCollection<string> allowed) =>
        granted.Where(s => Scopes.Grants(allowed, s)).ToList();
}
