using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Api.Http;

/// <summary>Sparse fieldsets (fields=id,sku,name) and expansions (include=inventory,pricing).</summary>
public sealed class Representation(IOptions<Microsoft.AspNetCore.Mvc.JsonOptions> jsonOptions)
{
    public static IReadOnlyCollection<string> ParseInclude(IQueryCollection query, IReadOnlyList<string> allowed)
    {
        var requested = SplitList(query["include"].ToString());
        var unknown = requested.Where(i => !allowed.Contains(i)).ToList();
        if (unknown.Count > 0)
        {
            throw new ValidationFailedException("include", $"Unknown include '{string.Join(", ", unknown)}'. Allowed: {string.Join(", ", allowed)}");
        }

        return requested;
    }

    /// <summary>Keeps only the requested top-level fields (id always stays). Returns the data unchanged without fields=.</summary>
    public object? SelectFields<T>(IQueryCollection query, T data, IReadOnlyCollection<string> includes)
    {
        var fields = SplitList(query["fields"].ToString());
        if (fields.Count == 0)
        {
            return data;
        }

        var options = jsonOptions.Value.JsonSerializerOptions;
        var known = KnownFields(typeof(T) is { IsGenericType: true } t && t.GetGenericArguments() is [var item] ? item : typeof(T), options);
        var unknown = fields.Where(f => !known.Contains(f)).ToList();
        if (unknown.Count > 0)
        {
            throw new ValidationFailedException("fields", $"Unknown field '{string.Join(", ", unknown)}'");
        }

        var keep = fields.Append("id").Concat(includes).ToHashSet(StringComparer.Ordinal);
        var node = JsonSerializer.SerializeToNode(data, options);
        if (node is JsonArray array)
        {
            foreach (var element in array.OfType<JsonObject>())
            {
                Trim(element, keep);
            }
        }
        else if (node is JsonObject single)
        {
            Trim(single, keep);
        }

        return node;
    }

    private static void Trim(JsonObject element, HashSet<string> keep)
    {
        foreach (var name in element.Select(p => p.Key).Where(k => !keep.Contains(k)).ToList())
        {
            element.Remove(name);
        }
    }

    private static HashSet<string> KnownFields(Type type, JsonSerializerOptions options) =>
        options.GetTypeInfo(type).Properties.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);

    private static List<string> SplitList(string raw) =>
        raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
}
