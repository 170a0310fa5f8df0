using System.Globalization;
using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Paging;

/// <summary>Sort fields every list shares, and the paging that applies them.</summary>
public static class Pager
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(Type, System.Reflection.MemberInfo), Delegate> IdAccessors = new();

    public static SortField<TEntity> Timestamp<TEntity>(string name, Expression<Func<TEntity, DateTime>> key) =>
        new SortField<TEntity, DateTime>(
            name,
            key,
            v => v.Ticks.ToString(CultureInfo.InvariantCulture),
            s => new DateTime(long.Parse(s, CultureInfo.InvariantCulture), DateTimeKind.Utc));

    public static SortField<TEntity> Text<TEntity>(string name, Expression<Func<TEntity, string>> key) =>
        new SortField<TEntity, string>(name, key, v => v, s => s);

    /// <summary>Applies sort, cursor or offset, and returns one page plus the pagination block.</summary>
    public static async Task<PagedResult<TEntity>> PageAsync<TEntity>(
        IQueryable<TEntity> query,
        ListRequest request,
        IReadOnlyList<SortField<TEntity>> sortFields,
        Expression<Func<TEntity, string>> id,
        CancellationToken cancellationToken)
    {
        var descending = request.Sort.StartsWith('-');
        var sortName = request.Sort.TrimStart('-', '+');
        var sortField = sortFields.FirstOrDefault(f => f.Name == sortName)
            ?? throw new ValidationFailedException("sort", $"Unknown sort field '{sortName}'. Allowed: {string.Join(", ", sortFields.Select(f => f.Name))}");

        var (total, totalEstimated) = await CountAsync(query, request.ExactTotalLimit, cancellationToken);
        var ordered = sortField.OrderBy(query, descending, id);
        IQueryable<TEntity> pageQuery = ordered;

        if (request.CursorMode && request.AfterKey is not null)
        {
            var cursor = CursorKey.TryDecode(request.AfterKey);
            if (cursor is null || cursor.Sort != request.Sort)
            {
                throw new ValidationFailedException("after_key", "Invalid cursor for this sort order; start again without after_key.");
            }

            try
            {
                pageQuery = sortField.OrderBy(sortField.After(query, descending, id, cursor), descending, id);
            }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
            {
                // A cursor the client edited or made up: its value does not parse, or parses out of range.
                throw new ValidationFailedException("after_key", "Invalid cursor; start again without after_key.");
            }
        }
        else if (!request.CursorMode)
        {
            pageQuery = pageQuery.Skip((request.Page - 1) * request.PageSize);
        }

        var rows = await pageQuery.Take(request.PageSize + 1).ToListAsync(cancellationToken);
        var hasMore = rows.Count > request.PageSize;
        if (hasMore)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        var nextCursor = hasMore && rows.Count > 0
            ? new CursorKey(sortField.Encode(rows[^1]), IdAccessor(id)(rows[^1]), request.Sort).Encode()
            : null;

        var info = new PageInfo(request.CursorMode ? null : request.Page, request.PageSize, total, hasMore, nextCursor, request.Sort, totalEstimated);
        return new PagedResult<TEntity>(rows, info);
    }

    /// <summary>
    /// The compiled id getter. Compiling an expression costs more than the rest of building a page, and the id is always
    /// the same property of the entity, so each (entity, property) is compiled once.
    /// </summary>
    private static Func<TEntity, string> IdAccessor<TEntity>(Expression<Func<TEntity, string>> id) =>
        id.Body is MemberExpression { Member: var member } body && body.Expression == id.Parameters[0]
            ? (Func<TEntity, string>)IdAccessors.GetOrAdd((typeof(TEntity), member), _ => id.Compile())
            : id.Compile();

    /// <summary>
    /// Counts at most <paramref name="exactLimit"/> + 1 rows (a count over a million ledger rows would be the page's
    /// whole cost); above the limit the total is the planner's estimate for the filtered query, never below the limit.
    /// </summary>
    private static async Task<(long Total, bool Estimated)> CountAsync<TEntity>(IQueryable<TEntity> query, int exactLimit, CancellationToken ct)
    {
        if (exactLimit <= 0)
        {
            return (await query.LongCountAsync(ct), false);
        }

        var bounded = await query.Take(exactLimit + 1).LongCountAsync(ct);
        if (bounded <= exactLimit)
        {
            return (bounded, false);
        }

        return (Math.Max(exactLimit + 1, await PlannerEstimateAsync(query, ct)), true);
    }

    private static async Task<long> PlannerEstimateAsync<TEntity>(IQueryable<TEntity> query, CancellationToken ct)
    {
        await using var command = query.CreateDbCommand();
        command.CommandText = "EXPLAIN (FORMAT JSON) " + command.CommandText;
        var connection = command.Connection!;
        var opened = connection.State != System.Data.ConnectionState.Open;
        if (opened)
        {
            await connection.OpenAsync(ct);
        }

        try
        {
            var plan = (string?)await command.ExecuteScalarAsync(ct);
            using var json = System.Text.Json.JsonDocument.Parse(plan ?? "[]");
            return json.RootElement[0].GetProperty("Plan").GetProperty("Plan Rows").GetInt64();
        }
        finally
        {
            if (opened)
            {
                await connection.CloseAsync();
            }
        }
    }
}
