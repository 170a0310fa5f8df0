using System.Buffers.Text;
using System.Linq.Expressions;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Smackdab.Inventory.Domain.Paging;

/// <summary>The position of a row in a sort order: the sort value and the id that breaks ties.</summary>
public sealed record CursorKey(string Value, string Id, string Sort)
{
    public string Encode() =>
        Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new[] { Sort, Value, Id }));

    public static CursorKey? TryDecode(string token)
    {
        try
        {
            var parts = JsonSerializer.Deserialize<string[]>(Base64Url.DecodeFromChars(token));
            // PostgreSQL cannot compare text containing NUL: such a cursor was never issued by us.
            return parts is { Length: 3 } && parts.All(p => p is not null && !p.Contains('\0', StringComparison.Ordinal))
                ? new CursorKey(parts[1], parts[2], parts[0])
                : null;
        }
        catch (Exception e) when (e is FormatException or JsonException or DecoderFallbackException)
        {
            return null;
        }
    }
}

/// <summary>Builds "row comes after (value, id)" predicates that PostgreSQL can answer from an index.</summary>
internal static class Keyset
{
    private static readonly MethodInfo StringCompare =
        typeof(string).GetMethod(nameof(string.Compare), [typeof(string), typeof(string)])!;

    public static Expression<Func<TEntity, bool>> After<TEntity, TKey>(
        Expression<Func<TEntity, TKey>> key, Expression<Func<TEntity, string>> id, TKey value, string lastId, bool descending)
    {
        var row = key.Parameters[0];
        var keyBody = key.Body;
        var idBody = new ReplaceParameter(id.Parameters[0], row).Visit(id.Body);

        var beyond = Compare(keyBody, Expression.Constant(value, typeof(TKey)), descending);
        var tie = Expression.AndAlso(
            Expression.Equal(keyBody, Expression.Constant(value, typeof(TKey))),
            Compare(idBody, Expression.Constant(lastId), descending));
        return Expression.Lambda<Func<TEntity, bool>>(Expression.OrElse(beyond, tie), row);
    }

    private static BinaryExpression Compare(Expression left, Expression right, bool descending)
    {
        if (left.Type == typeof(string))
        {
            var compare = Expression.Call(StringCompare, left, right);
            return descending
                ? Expression.LessThan(compare, Expression.Constant(0))
                : Expression.GreaterThan(compare, Expression.Constant(0));
        }

        return descending ? Expression.LessThan(left, right) : Expression.GreaterThan(left, right);
    }

    private sealed class ReplaceParameter(ParameterExpression from, ParameterExpression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : node;
    }
}
