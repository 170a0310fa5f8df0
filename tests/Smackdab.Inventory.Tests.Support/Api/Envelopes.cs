using System.Net;
using System.Text.Json;
using Smackdab.Inventory.Tests.Support.Contracts;
using Xunit;

namespace Smackdab.Inventory.Tests.Support.Api;

/// <summary>
/// Reads a response as the envelope: every read validates the body against shared/schemas/envelope.yaml
/// and checks that X-Request-ID matches the body's request id.
/// </summary>
public static class Envelopes
{
    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        JsonElement body;
        try
        {
            body = JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new Xunit.Sdk.XunitException($"Response {(int)response.StatusCode} is not JSON: {text}");
        }

        var problems = EnvelopeSchema.Validate(body);
        Assert.True(problems.Count == 0, $"Response does not match envelope.yaml: {string.Join("; ", problems)}\n{text}");

        Assert.True(response.Headers.TryGetValues("X-Request-ID", out var ids), "X-Request-ID header missing");
        var requestId = body.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
            ? error.GetProperty("request_id").GetString()
            : body.GetProperty("meta").GetProperty("request_id").GetString();
        Assert.Equal(ids.Single(), requestId);
        return body;
    }

    /// <summary>Asserts a success envelope with the status and returns its data.</summary>
    public static async Task<JsonElement> SuccessAsync(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        var body = await ReadAsync(response);
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("success", body.GetProperty("responseType").GetString());
        return body.GetProperty("data");
    }

    /// <summary>Asserts the whole list envelope and returns (items, pagination).</summary>
    public static async Task<(JsonElement Items, JsonElement Pagination)> ListAsync(HttpResponseMessage response)
    {
        var body = await ReadAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Expected 200, got {(int)response.StatusCode}: {body}");
        return (body.GetProperty("data"), body.GetProperty("meta").GetProperty("pagination"));
    }

    /// <summary>Asserts an error envelope with the status and code and returns the error object.</summary>
    public static async Task<JsonElement> ErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await ReadAsync(response);
        Assert.True(status == response.StatusCode, $"Expected {(int)status} {code}, got {(int)response.StatusCode}: {body}");
        Assert.Equal(JsonValueKind.Null, body.GetProperty("data").ValueKind);
        Assert.Equal("error", body.GetProperty("responseType").GetString());
        var error = body.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        return error;
    }
}
