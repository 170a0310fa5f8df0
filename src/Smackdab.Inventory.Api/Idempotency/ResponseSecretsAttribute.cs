using System.Security.Claims;
using System.Text.Json.Nodes;
using Smackdab.Inventory.Api.Auth;
using Smackdab.Inventory.Api.Security;

namespace Smackdab.Inventory.Api.Idempotency;

/// <summary>
/// Declares, next to the endpoint, the fields of its answer that hold a secret shown only once (paths under <c>data</c>,
/// dotted: <c>secret</c>, <c>api_key.secret</c>). The idempotency middleware blanks them before storing the answer, so a
/// secret never rests in the idempotency table and a retry gets the resource without it (docs/guarantees.md, "Idempotency").
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ResponseSecretsAttribute(params string[] fields) : Attribute
{
    public IReadOnlyList<string> Fields { get; } = fields;

    /// <summary>Sets each secret field under <c>data</c> to null; returns the paths (as "data.x") that were present.</summary>
    public IReadOnlyList<string> Redact(JsonObject envelope)
    {
        var redacted = new List<string>();
        foreach (var field in Fields)
        {
            var segments = field.Split('.');
            var node = envelope["data"] as JsonObject;
            for (var i = 0; i < segments.Length - 1 && node is not null; i++)
            {
                node = node[segments[i]] as JsonObject;
            }

            if (node is not null && node.ContainsKey(segments[^1]))
            {
                node[segments[^1]] = null;
                redacted.Add("data." + field);
            }
        }

        return redacted;
    }
}

/// <summary>Who sent a request, for scoping Idempotency-Keys: one credential's key never replays to another credential.</summary>
public static class IdempotencyCredential
{
    /// <summary>"key:&lt;api key id&gt;" or "oauth:&lt;client_id&gt;:&lt;subject&gt;"; null when the caller is neither.</summary>
    public static string? Of(ClaimsPrincipal user)
    {
        if (user.FindFirstValue(CallerClaims.KeyId) is { } keyId)
        {
            return "key:" + keyId;
        }

        return user.FindFirstValue(BearerTokenAuthenticationHandler.ClientIdClaim) is { } clientId
            ? $"oauth:{clientId}:{user.FindFirstValue(BearerTokenAuthenticationHandler.SubjectClaim)}"
            : null;
    }
}
