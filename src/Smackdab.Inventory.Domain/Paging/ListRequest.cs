namespace Smackdab.Inventory.Domain.Paging;

/// <summary>
/// A list query as the API received it. Offset paging uses <see cref="Page"/>/<see cref="PageSize"/>;
/// cursor paging uses <see cref="AfterKey"/> with <see cref="PageSize"/> as the limit, and is stable under inserts.
/// </summary>
public sealed record ListRequest
{
    public int Page { get; init; } = 1;

    public int PageSize { get; init; } = 25;

    /// <summary>True when the caller asked for cursor paging (after_key or limit given).</summary>
    public bool CursorMode { get; init; }

    public string? AfterKey { get; init; }

    public string Sort { get; init; } = "-created_at";

    public string? Search { get; init; }

    public IReadOnlyDictionary<string, string> Filters { get; init; } = new Dictionary<string, string>();

    /// <summary>Totals up to this many rows are counted exactly; above it, total is PostgreSQL's estimate. 0: always exact.</summary>
    public int ExactTotalLimit { get; init; }

    public string? Filter(string name) => Filters.TryGetValue(name, out var value) && value.Length > 0 ? value : null;
}

public sealed record PageInfo(int? Page, int PageSize, long Total, bool HasMore, string? NextCursor, string Sort, bool TotalEstimated = false);

public sealed record PagedResult<T>(IReadOnlyList<T> Items, PageInfo PageInfo)
{
    public PagedResult<TOut> Map<TOut>(Func<T, TOut> map) => new(Items.Select(map).ToList(), PageInfo);
}
