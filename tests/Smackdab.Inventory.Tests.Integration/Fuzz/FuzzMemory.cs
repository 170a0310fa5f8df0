using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Smackdab.Inventory.Tests.Integration.Fuzz;

/// <summary>
/// What the fuzzer has learned from the API's answers: values seen under each field name (ids, secrets, tokens), ids per
/// resource collection, ids that worked for a path template, cursors and ETags. Generated requests draw real values from
/// here so that they get past "not found" into the deeper code paths. Thread-safe; bounded.
/// </summary>
public sealed class FuzzMemory
{
    private const int MaxValuesPerName = 40;

    private readonly ConcurrentDictionary<string, BoundedSet> _byField = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, BoundedSet> _worked = new(StringComparer.Ordinal);
    private readonly BoundedSet _allIds = new(400);

    /// <summary>Ids that requests must never delete or revoke (the fuzzer's own credentials and organization).</summary>
    public ConcurrentDictionary<string, bool> Protected { get; } = new(StringComparer.Ordinal);

    /// <summary>Values that belong to another organization: a request using them must not see or change anything.</summary>
    public BoundedSet Foreign { get; } = new(50);

    /// <summary>Learns from a JSON response to a request on <paramref name="template"/>.</summary>
    public void Learn(string template, JsonNode? body)
    {
        if (body is not JsonObject root)
        {
            return;
        }

        var resource = ResourceField(template);
        var data = root.ContainsKey("data") ? root["data"] : root;
        foreach (var item in data is JsonArray array ? array.ToList() : new List<JsonNode?> { data })
        {
            if (item is JsonObject obj && obj["id"] is JsonValue id && id.TryGetValue<string>(out var value))
            {
                if (resource is not null)
                {
                    Remember(resource, value);
                }

                // A credential and its secret belong together (an OAuth client and its client_secret).
                if (obj["secret"] is JsonValue secret && secret.TryGetValue<string>(out var secretText))
                {
                    Remember("secret_of:" + value, secretText);
                }
            }
        }

        Walk(data, depth: 0);
        if (root["meta"]?["pagination"]?["nextCursor"] is JsonValue cursor && cursor.TryGetValue<string>(out var next))
        {
            Remember("cursor:" + template, next);
        }
    }

    public void Remember(string field, string value)
    {
        if (value.Length is 0 or > 2000)
        {
            return;
        }

        _byField.GetOrAdd(field, _ => new BoundedSet(MaxValuesPerName)).Add(value);
        if (field == "id" || field.EndsWith("_id", StringComparison.Ordinal))
        {
            _allIds.Add(value);
        }
    }

    public void Worked(string template, string parameter, string value) =>
        _worked.GetOrAdd(template + "|" + parameter, _ => new BoundedSet(MaxValuesPerName)).Add(value);

    public IReadOnlyList<string> WorkedFor(string template, string parameter) =>
        _worked.TryGetValue(template + "|" + parameter, out var set) ? set.Snapshot() : [];

    public IReadOnlyList<string> Values(string field) => _byField.TryGetValue(field, out var set) ? set.Snapshot() : [];

    /// <summary>Values for a field: its own, and those of fields ending in _<paramref name="field"/> (token ← access_token).</summary>
    public IReadOnlyList<string> ValuesLike(string field)
    {
        var own = Values(field);
        if (own.Count > 0)
        {
            return own;
        }

        return _byField.Where(p => p.Key.EndsWith("_" + field, StringComparison.Ordinal)).SelectMany(p => p.Value.Snapshot()).ToList();
    }

    /// <summary>Ids for an id field: its own values, else those of its last words (source_location_id → location_id).</summary>
    public IReadOnlyList<string> IdsFor(string field)
    {
        for (var name = field; ; name = name[(name.IndexOf('_', StringComparison.Ordinal) + 1)..])
        {
            if (Values(name) is { Count: > 0 } values)
            {
                return values;
            }

            if (name.IndexOf('_', StringComparison.Ordinal) is < 0 || name == "id")
            {
                return [];
            }
        }
    }

    public IReadOnlyList<string> AllIds => _allIds.Snapshot();

    public IReadOnlyList<string> Cursors(string template) => Values("cursor:" + template);

    /// <summary>The id field that names the resource a template serves: /v1/products/{id} → product_id.</summary>
    public static string? ResourceField(string template)
    {
        var literal = template.Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(s => !s.StartsWith('{'));
        return literal is null ? null : Singular(literal) + "_id";
    }

    /// <summary>The id field a path parameter names: {id} after /products → product_id; {locationId} → location_id.</summary>
    public static string FieldForPathParameter(string template, string parameter)
    {
        if (parameter != "id")
        {
            return SnakeCase(parameter);
        }

        var segments = template.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var index = Array.IndexOf(segments, "{" + parameter + "}");
        return index > 0 ? Singular(segments[index - 1]) + "_id" : "id";
    }

    private void Walk(JsonNode? node, int depth)
    {
        if (depth > 8)
        {
            return;
        }

        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    if (value is JsonValue scalar && scalar.TryGetValue<string>(out var text) && key != "id")
                    {
                        Remember(key, text);
                    }
                    else if (value is JsonArray strings && strings.All(v => v is JsonValue))
                    {
                        // redirect_uris → redirect_uri, scopes → scope.
                        foreach (var item in strings.OfType<JsonValue>().Take(20))
                        {
                            if (item.TryGetValue<string>(out var element))
                            {
                                Remember(key, element);
                                Remember(Singular(key), element);
                            }
                        }
                    }
                    else
                    {
                        Walk(value, depth + 1);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array.Take(20))
                {
                    Walk(item, depth + 1);
                }

                break;
        }
    }

    private static string Singular(string segment)
    {
        var word = segment.Replace('-', '_');
        if (word.EndsWith("ies", StringComparison.Ordinal))
        {
            return word[..^3] + "y";
        }

        if (word.EndsWith("ches", StringComparison.Ordinal) || word.EndsWith("sses", StringComparison.Ordinal) || word.EndsWith("xes", StringComparison.Ordinal))
        {
            return word[..^2];
        }

        return word.EndsWith('s') ? word[..^1] : word;
    }

    private static string SnakeCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));
}

/// <summary>A small set that keeps the newest values once full.</summary>
public sealed class BoundedSet(int capacity)
{
    private readonly Lock _lock = new();
    private readonly List<string> _items = [];

    public void Add(string value)
    {
        lock (_lock)
        {
            if (_items.Contains(value))
            {
                return;
            }

            if (_items.Count >= capacity)
            {
                _items.RemoveAt(0);
            }

            _items.Add(value);
        }
    }

    public IReadOnlyList<string> Snapshot()
    {
        lock (_lock)
        {
            return [.. _items];
        }
    }
}
