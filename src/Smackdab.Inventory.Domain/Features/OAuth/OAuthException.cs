namespace Smackdab.Inventory.Domain.Features.OAuth;

/// <summary>
/// An OAuth 2.0 protocol error (RFC 6749 section 5.2). The OAuth endpoints answer it as
/// <c>{"error": "...", "error_description": "..."}</c>, not as the envelope.
/// </summary>
public sealed class OAuthException(string error, string description) : Exception(description)
{
    public string Error { get; } = error;
}

/// <summary>The error codes of RFC 6749, RFC 7009 and RFC 7636 that this server uses.</summary>
public static class OAuthErrors
{
    public const string InvalidRequest = "invalid_request";
    public const string InvalidClient = "invalid_client";
    public const string InvalidGrant = "invalid_grant";
    public const string UnauthorizedClient = "unauthorized_client";
    public const string UnsupportedGrantType = "unsupported_grant_type";
    public const string InvalidScope = "invalid_scope";
    public const string AccessDenied = "access_denied";
    public const string UnsupportedResponseType = "unsupported_response_type";
    public const string UnsupportedTokenType = "unsupported_token_type";
    public const string ServerError = "server_error";
}
