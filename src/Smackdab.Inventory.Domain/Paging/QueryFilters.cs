using System.Linq.Expressions;

namespace Smackdab.Inventory.Domain.Paging;

public static class QueryFilters
{
    /// <summary>Adds <c>field == value</c> when the list request carries the named equality filter; otherwise leaves the query alone.</summary>
    public static IQueryable<T> WhereFilter<T>(this IQueryable<T> query, ListRequest request, string name, Expression<Func<T, string?>> field)
    {
        if (request.Filter(name) is not { } value)
        {
            return query;
        }

        // A captured variable, so that EF sends the value as a parameter rather than inlining it.
        Expression<Func<string?>> captured = () => value;
        var predicate = Expression.Lambda<Func<T, bool>>(Expression.Equal(field.Body, captured.Body), field.Parameters);
        return query.Where(predicate);
    }
}
