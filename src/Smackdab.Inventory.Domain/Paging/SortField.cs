using System.Linq.Expressions;

namespace Smackdab.Inventory.Domain.Paging;

/// <summary>A sortable column of an entity: its public name and how to read it in a query.</summary>
public abstract class SortField<TEntity>
{
    protected SortField(string name) => Name = name;

    public string Name { get; }

    internal abstract IOrderedQueryable<TEntity> OrderBy(IQueryable<TEntity> query, bool descending, Expression<Func<TEntity, string>> id);

    internal abstract IQueryable<TEntity> After(IQueryable<TEntity> query, bool descending, Expression<Func<TEntity, string>> id, CursorKey cursor);

    internal abstract string Encode(TEntity entity);
}

public sealed class SortField<TEntity, TKey>(string name, Expression<Func<TEntity, TKey>> key, Func<TKey, string> encode, Func<string, TKey> decode)
    : SortField<TEntity>(name)
{
    private readonly Func<TEntity, TKey> _compiled = key.Compile();

    internal override IOrderedQueryable<TEntity> OrderBy(IQueryable<TEntity> query, bool descending, Expression<Func<TEntity, string>> id) =>
        descending
            ? query.OrderByDescending(key).ThenByDescending(id)
            : query.OrderBy(key).ThenBy(id);

    internal override IQueryable<TEntity> After(IQueryable<TEntity> query, bool descending, Expression<Func<TEntity, string>> id, CursorKey cursor)
    {
        var value = decode(cursor.Value);
        return query.Where(Keyset.After(key, id, value, cursor.Id, descending));
    }

    internal override string Encode(TEntity entity) => encode(_compiled(entity));
}
