using System.Text;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Smackdab.Inventory.Domain.Features.OAuth;

namespace Smackdab.Inventory.Api.Auth;

/// <summary>Query or form parameters of the authorization request (RFC 6749 section 4.1.1, RFC 7636 section 4.3).</summary>
public class AuthorizeParameters
{
    [ModelBinder(Name = "response_type")]
    public string? ResponseType { get; set; }

    [ModelBinder(Name = "client_id")]
    public string? ClientId { get; set; }

    /// <summary>Optional when the client has exactly one registered redirect URI.</summary>
    [ModelBinder(Name = "redirect_uri")]
    public string? RedirectUri { get; set; }

    /// <summary>Space-separated scopes; all of the client's allowed scopes when left out.</summary>
    [ModelBinder(Name = "scope")]
    public string? Scope { get; set; }

    [ModelBinder(Name = "state")]
    public string? State { get; set; }

    /// <summary>Required: BASE64URL(SHA-256(code_verifier)).</summary>
    [ModelBinder(Name = "code_challenge")]
    public string? CodeChallenge { get; set; }

    /// <summary>Required: S256.</summary>
    [ModelBinder(Name = "code_challenge_method")]
    public string? CodeChallengeMethod { get; set; }

    public Dictionary<string, string?> ToDictionary() => new()
    {
        ["response_type"] = ResponseType,
        ["client_id"] = ClientId,
        ["redirect_uri"] = RedirectUri,
        ["scope"] = Scope,
        ["state"] = State,
        ["code_challenge"] = CodeChallenge,
        ["code_challenge_method"] = CodeChallengeMethod,
    };
}

/// <summary>The consent form: the authorization request again, the admin's API key and the decision.</summary>
public sealed class ConsentParameters : AuthorizeParameters
{
    /// <summary>An inventory.admin API key of the client's organization (or send it in X-API-Key).</summary>
    [ModelBinder(Name = "api_key")]
    public string? ApiKey { get; set; }

    /// <summary><c>approve</c> or <c>deny</c>.</summary>
    [ModelBinder(Name = "decision")]
    public string? Decision { get; set; }
}

/// <summary>Form of POST /oauth/token (RFC 6749 sections 4.1.3, 4.4.2, 6). Client credentials go in HTTP Basic or in the form.</summary>
public sealed class TokenParameters
{
    /// <summary><c>authorization_code</c>, <c>refresh_token</c> or <c>client_credentials</c>.</summary>
    [ModelBinder(Name = "grant_type")]
    public string? GrantType { get; set; }

    [ModelBinder(Name = "code")]
    public string? Code { get; set; }

    [ModelBinder(Name = "redirect_uri")]
    public string? RedirectUri { get; set; }

    [ModelBinder(Name = "code_verifier")]
    public string? CodeVerifier { get; set; }

    [ModelBinder(Name = "refresh_token")]
    public string? RefreshToken { get; set; }

    [ModelBinder(Name = "scope")]
    public string? Scope { get; set; }

    /// <summary>client_secret_post; or use HTTP Basic.</summary>
    [ModelBinder(Name = "client_id")]
    public string? ClientId { get; set; }

    /// <summary>client_secret_post; or use HTTP Basic.</summary>
    [ModelBinder(Name = "client_secret")]
    public string? ClientSecret { get; set; }
}

/// <summary>Form of POST /oauth/revoke (RFC 7009) and POST /oauth/introspect (RFC 7662).</summary>
public sealed class TokenInspectionParameters
{
    [ModelBinder(Name = "token")]
    public string? Token { get; set; }

    /// <summary><c>access_token</c> or <c>refresh_token</c>; a hint only.</summary>
    [ModelBinder(Name = "token_type_hint")]
    public string? TokenTypeHint { get; set; }

    [ModelBinder(Name = "client_id")]
    public string? ClientId { get; set; }

    [ModelBinder(Name = "client_secret")]
    public string? ClientSecret { get; set; }
}

/// <summary>The token response of RFC 6749 section 5.1.</summary>
public sealed record TokenResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("expires_in")] int ExpiresIn,
    [property: JsonPropertyName("refresh_token"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RefreshToken,
    [property: JsonPropertyName("scope")] string Scope);

/// <summary>The error response of RFC 6749 section 5.2; the OAuth endpoints' exception to the envelope.</summary>
public sealed record OAuthErrorResponse(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("error_description")] string ErrorDescription);

/// <summary>The introspection response of RFC 7662 section 2.2 (plus this API's <c>org</c> and <c>branch</c>).</summary>
public sealed record IntrospectionResponse
{
    [JsonPropertyName("active")]
    public bool Active { get; init; }

    [JsonPropertyName("scope")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Scope { get; init; }

    [JsonPropertyName("client_id")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ClientId { get; init; }

    [JsonPropertyName("token_type")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TokenType { get; init; }

    [JsonPropertyName("sub")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Sub { get; init; }

    [JsonPropertyName("org")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Org { get; init; }

    [JsonPropertyName("branch")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Branch { get; init; }

    [JsonPropertyName("iss")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Iss { get; init; }

    [JsonPropertyName("aud")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Aud { get; init; }

    [JsonPropertyName("jti")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Jti { get; init; }

    [JsonPropertyName("exp")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Exp { get; init; }

    [JsonPropertyName("iat")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Iat { get; init; }
}

/// <summary>Too many failed client authentications from this IP or for this client id.</summary>
public sealed class OAuthThrottledException(TimeSpan retryAfter) : Exception("Too many failed client authentications")
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>
/// Answers <see cref="OAuthException"/> as RFC 6749 JSON (400; 401 with <c>WWW-Authenticate: Basic</c> for invalid_client)
/// and <see cref="OAuthThrottledException"/> as 429 with Retry-After. Every answer of these endpoints is <c>no-store</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class OAuthErrorsAttribute : ExceptionFilterAttribute
{
    public const string ThrottledError = "rate_limit_exceeded";

    public override void OnException(ExceptionContext context)
    {
        var response = context.HttpContext.Response;
        switch (context.Exception)
        {
            case OAuthException oauth:
                var status = oauth.Error == OAuthErrors.InvalidClient ? StatusCodes.Status401Unauthorized : StatusCodes.Status400BadRequest;
                if (status == StatusCodes.Status401Unauthorized)
                {
                    response.Headers.WWWAuthenticate = $"Basic realm=\"{Challenges.Realm}\"";
                }

                context.Result = Json(new OAuthErrorResponse(oauth.Error, oauth.Message), status);
                context.ExceptionHandled = true;
                break;

            case OAuthThrottledException throttled:
                var seconds = Math.Max(1, (int)Math.Ceiling(throttled.RetryAfter.TotalSeconds));
                response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                context.Result = Json(new OAuthErrorResponse(ThrottledError, $"Too many failed client authentications; retry after {seconds} s"), StatusCodes.Status429TooManyRequests);
                context.ExceptionHandled = true;
                break;
        }

        if (context.ExceptionHandled)
        {
            response.Headers.CacheControl = "no-store";
            response.Headers.Pragma = "no-cache";
        }
    }

    private static ObjectResult Json(object value, int status) =>
        new(value) { StatusCode = status, ContentTypes = { "application/json" } };
}

/// <summary>HTTP Basic client authentication (RFC 6749 section 2.3.1: id and secret are form-urlencoded first).</summary>
public static class BasicCredentials
{
    public static bool TryParse(string header, out string clientId, out string secret)
    {
        clientId = secret = "";
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        Span<byte> buffer = stackalloc byte[512];
        var encoded = header["Basic ".Length..].Trim();
        if (encoded.Length > 680 || !Convert.TryFromBase64String(encoded, buffer, out var written))
        {
            return false;
        }

        var decoded = Encoding.UTF8.GetString(buffer[..written]);
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return false;
        }

        clientId = System.Net.WebUtility.UrlDecode(decoded[..colon]);
        secret = System.Net.WebUtility.UrlDecode(decoded[(colon + 1)..]);
        return true;
    }
}
