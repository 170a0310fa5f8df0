using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Primitives;
using Smackdab.Inventory.Api.Security;

namespace Smackdab.Inventory.Api.Auth;

/// <summary>The <c>WWW-Authenticate</c> headers of 401 and 403 answers (RFC 6750 section 3 for bearer tokens).</summary>
public static class Challenges
{
    public const string Realm = "smackdab-inventory";

    public static string MissingCredentialReason =>
        $"Provide an API key in the {ApiKeyAuthenticationHandler.Header} header or an access token in Authorization: Bearer";

    /// <summary>401: a bearer challenge with error="invalid_token" for a refused token, else the API key and bearer challenges.</summary>
    public static void Write401(HttpContext context, AuthenticateResult authentication)
    {
        var apiKey = $"ApiKey header=\"{ApiKeyAuthenticationHandler.Header}\"";
        context.Response.Headers.WWWAuthenticate = authentication.Failure switch
        {
            InvalidBearerTokenException bearer => $"Bearer realm=\"{Realm}\", error=\"invalid_token\", error_description=\"{Quote(bearer.Message)}\"",
            null => new StringValues([apiKey, $"Bearer realm=\"{Realm}\""]),
            _ => apiKey,
        };
    }

    /// <summary>403 for a token without the scope: error="insufficient_scope" naming it.</summary>
    public static void Write403(HttpContext context, IReadOnlyCollection<string> requiredScopes)
    {
        if (context.User.Identity?.AuthenticationType == BearerTokenAuthenticationHandler.SchemeName && requiredScopes.Count > 0)
        {
            context.Response.Headers.WWWAuthenticate =
                $"Bearer realm=\"{Realm}\", error=\"insufficient_scope\", scope=\"{Quote(string.Join(' ', requiredScopes))}\"";
        }
    }

    // Our own messages only reach this header, never caller input; still, keep it a valid quoted-string.
    private static string Quote(string value) =>
        new(value.Where(c => c >= 0x20 && c < 0x7f && c != '"' && c != '\\').ToArray());
}
