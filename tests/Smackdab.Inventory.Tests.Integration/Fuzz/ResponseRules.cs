using System.Text;
using Smackdab.Inventory.Tests.Support.Contracts;

namespace Smackdab.Inventory.Tests.Integration.Fuzz;

/// <summary>
/// What every answer must look like: a 2xx, a 304 or a redirect, or a 4xx; never a 5xx. Errors of the /v1 API are the
/// envelope of shared/schemas/envelope.yaml with X-Request-ID matching; the OAuth protocol endpoints answer in the OAuth
/// error format (RFC 6749 §5.2), the envelope (refused by the pipeline before the endpoint) or, for the authorization
/// page, HTML.
/// </summary>
public static class ResponseRules
{
    private static readonly string[] UpstreamFailureCodes = ["INTEGRATION_ERROR", "CIRCUIT_BREAKER_OPEN"];

    public static string? Check(FuzzRequest request, HttpResponseMessage response, byte[] body)
    {
        var status = (int)response.StatusCode;
        var template = request.Operation.PathTemplate;
        // An integration's external system is unreachable from the test (no such host): 502/503 naming that
        // upstream failure in the envelope is the right answer there, never a bug of ours. Anything else 5xx is.
        if (status is 502 or 503 && template.StartsWith("/v1/integrations/", StringComparison.Ordinal)
            && UpstreamFailureCodes.Any(code => System.Text.Encoding.UTF8.GetString(body).Contains($"\"code\":\"{code}\"", StringComparison.Ordinal)))
        {
            return ErrorEnvelope(response, body);
        }

        if (status >= 500)
        {
            return $"{status} server error";
        }

        if (status < 200 || (status is >= 300 and < 400 && status != 304 && response.Headers.Location is null))
        {
            return $"unexpected status {status}";
        }

        if (request.UsesForeignId && status is >= 200 and < 300 && request.Credential is "admin" or "bearer")
        {
            return "another organization's id was accepted";
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType;
        var isOAuth = template.StartsWith("/oauth/", StringComparison.Ordinal);
        if (status >= 400)
        {
            if (isOAuth && mediaType == "text/html")
            {
                return null;
            }

            // The OAuth endpoints answer in the OAuth format; what the pipeline refuses before them (body limits,
            // encodings, rate limits) is in the envelope.
            if (isOAuth && OAuthError(body) is null)
            {
                return null;
            }

            return ErrorEnvelope(response, body);
        }

        if (status is >= 200 and < 300 && request.Operation.EnvelopedSuccess && body.Length > 0)
        {
            return SuccessEnvelope(response, body);
        }

        return null;
    }

    private static string? OAuthError(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String
                ? null
                : "OAuth error without an error code";
        }
        catch (JsonException)
        {
            return "OAuth error is not JSON: " + Preview(body);
        }
    }

    private static string? ErrorEnvelope(HttpResponseMessage response, byte[] body)
    {
        if (Parse(body) is not { } root)
        {
            return "error body is not JSON: " + Preview(body);
        }

        if (EnvelopeSchema.Validate(root) is { Count: > 0 } problems)
        {
            return "error body breaks envelope.yaml: " + string.Join("; ", problems.Take(3)) + " — " + Preview(body);
        }

        if (root.GetProperty("data").ValueKind != JsonValueKind.Null || root.GetProperty("responseType").GetString() != "error")
        {
            return "error envelope with data or without responseType error";
        }

        var requestId = root.GetProperty("error").GetProperty("request_id").GetString();
        return response.Headers.TryGetValues("X-Request-ID", out var ids) && ids.SingleOrDefault() == requestId
            ? null
            : "X-Request-ID does not match error.request_id";
    }

    private static string? SuccessEnvelope(HttpResponseMessage response, byte[] body)
    {
        if (Parse(body) is not { } root)
        {
            return "success body is not JSON: " + Preview(body);
        }

        if (EnvelopeSchema.Validate(root) is { Count: > 0 } problems)
        {
            return "success body breaks envelope.yaml: " + string.Join("; ", problems.Take(3)) + " — " + Preview(body);
        }

        return response.Headers.Contains("X-Request-ID") ? null : "X-Request-ID header missing";
    }

    private static JsonElement? Parse(byte[] body)
    {
        try
        {
            return JsonDocument.Parse(body).RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static string Preview(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 400));
        return body.Length > 400 ? text + "…" : text;
    }
}
