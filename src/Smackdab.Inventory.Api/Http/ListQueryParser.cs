using System.Globalization;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Api.Hosting;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Paging;

namespace Smackdab.Inventory.Api.Http;

/// <summary>
/// Reads the spec's list parameters: filters[x]=v and the plain x=v form, q, sort, page/pageSize and after_key/limit.
/// </summary>
public sealed class ListQueryParser(IOptions<ApiOptions> options)
{
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "page", "pageSize", "page_size", "after_key", "limit", "sort", "q", "fields", "include",
    };

    public ListRequest Parse(IQueryCollection query, IReadOnlyCollection<string> filterNames, string defaultSort = "-created_at")
    {
        var errors = new Dictionary<string, string[]>();
        var filters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in query)
        {
            var name = key.StartsWith("filters[", StringComparison.Ordinal) && key.EndsWith(']') ? key[8..^1] : null;
            if (name is not null)
            {
                if (!filterNames.Contains(name))
                {
                    errors[key] = [$"Unknown filter. Allowed: {string.Join(", ", filterNames)}"];
                    continue;
                }

                filters[name] = value.ToString();
            }
            else if (filterNames.Contains(key))
            {
                filters.TryAdd(key, value.ToString());
            }
        }

        var max = options.Value.MaxPageSize;
        var cursorMode = query.ContainsKey("after_key") || query.ContainsKey("limit");
        var page = ReadInt(query, "page", 1, 1, int.MaxValue / max, errors);
        var sizeKey = query.ContainsKey("pageSize") ? "pageSize" : "page_size";
        var pageSize = cursorMode
            ? ReadInt(query, "limit", options.Value.DefaultPageSize, 1, max, errors)
            : ReadInt(query, sizeKey, options.Value.DefaultPageSize, 1, max, errors);
        var afterKey = query["after_key"].ToString();

        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }

        return new ListRequest
        {
            Page = page,
            PageSize = pageSize,
            CursorMode = cursorMode,
            AfterKey = afterKey.Length > 0 ? afterKey : null,
            Sort = query.TryGetValue("sort", out var sort) && sort.ToString().Length > 0 ? sort.ToString() : defaultSort,
            Search = query["q"].ToString() is { Length: > 0 } q ? q : null,
            Filters = filters,
            ExactTotalLimit = options.Value.ExactTotalLimit,
        };
    }

    public static bool IsReserved(string key) => Reserved.Contains(key);

    private static int ReadInt(IQueryCollection query, string name, int fallback, int min, int max, Dictionary<string, string[]> errors)
    {
        if (!query.TryGetValue(name, out var raw) || raw.ToString().Length == 0)
        {
            return fallback;
        }

        if (!int.TryParse(raw.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            errors[name] = [$"Must be a whole number from {min} to {max}"];
            return fallback;
        }

        return value;
    }
}
