using System.Text.Json.Serialization;

namespace Smackdab.Inventory.Api.Envelope;

/// <summary>
/// The spec's response envelope. Its own field names are fixed here (responseType is camelCase in the spec),
/// while the payload under <c>data</c> follows the API's snake_case policy.
/// </summary>
public sealed class SuccessEnvelope<T>
{
    [JsonPropertyName("data")]
    public T? Data { get; init; }

    [JsonPropertyName("meta")]
    public Dictionary<string, object?> Meta { get; init; } = [];

    [JsonPropertyName("message")]
    public string? Message { get; init; }

    [JsonPropertyName("toast")]
    public bool Toast { get; init; }

    [JsonPropertyName("responseType")]
    public string ResponseType { get; init; } = "success";
}

public sealed class ErrorEnvelope
{
    [JsonPropertyName("data")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public object? Data => null;

    [JsonPropertyName("error")]
    public required ErrorBody Error { get; init; }

    [JsonPropertyName("meta")]
    public Dictionary<string, object?> Meta { get; init; } = [];

    [JsonPropertyName("message")]
    public string? Message { get; init; }

    [JsonPropertyName("toast")]
    public bool Toast { get; init; }

    [JsonPropertyName("responseType")]
    public string ResponseType => "error";
}

public sealed class ErrorBody
{
    [JsonPropertyName("code")]
    public required string Code { get; init; }

    [JsonPropertyName("message")]
    public required string Message { get; init; }

    /// <summary>Keyed by field path (<c>quantity.value</c>, <c>transactions[1].product_id</c>) or by a fact name.</summary>
    [JsonPropertyName("details")]
    public IReadOnlyDictionary<string, object?> Details { get; init; } = new Dictionary<string, object?>();

    [JsonPropertyName("request_id")]
    public required string RequestId { get; init; }

    [JsonPropertyName("timestamp")]
    public required DateTime Timestamp { get; init; }
}

/// <summary>meta.pagination: the spec spells these camelCase.</summary>
public sealed class PaginationMeta
{
    [JsonPropertyName("page")]
    public int? Page { get; init; }

    [JsonPropertyName("pageSize")]
    public int PageSize { get; init; }

    [JsonPropertyName("total")]
    public long Total { get; init; }

    [JsonPropertyName("hasMore")]
    public bool HasMore { get; init; }

    [JsonPropertyName("nextCursor")]
    public string? NextCursor { get; init; }

    /// <summary>Present (true) only when total is PostgreSQL's estimate: above Api:ExactTotalLimit rows.</summary>
    [JsonPropertyName("totalEstimated")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool TotalEstimated { get; init; }

    [JsonPropertyName("sort")]
    public string Sort { get; init; } = "";
}
