using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Smackdab.Inventory.Api.Validation;

/// <summary>
/// Finds <c>null</c> elements in the lists of a request body (<c>"rules": [null, {…}]</c>) whose element type is not declared
/// nullable, before any validator sees them: validators and services may then treat every element as present. Runs over
/// our own request types only (namespace Smackdab.*), to a bounded depth.
/// </summary>
public static class NullElementCheck
{
    private const int MaxDepth = 8;

    private static readonly ConcurrentDictionary<Type, IReadOnlyList<ListProperty>> Lists = new();
    private static readonly ConcurrentDictionary<Type, IReadOnlyList<PropertyInfo>> Nested = new();

    /// <summary>Field paths (snake_case, e.g. <c>rules[0]</c>) of null elements; empty when there are none.</summary>
    public static Dictionary<string, string[]> Find(object value)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        Walk(value, "", 0, errors);
        return errors;
    }

    private static void Walk(object value, string prefix, int depth, Dictionary<string, string[]> errors)
    {
        var type = value.GetType();
        if (depth > MaxDepth || !IsOurs(type))
        {
            return;
        }

        foreach (var list in Lists.GetOrAdd(type, ListPropertiesOf))
        {
            if (list.Property.GetValue(value) is not IEnumerable items)
            {
                continue;
            }

            var index = 0;
            foreach (var item in items)
            {
                var path = $"{prefix}{list.JsonName}[{index}]";
                if (item is null && !list.ElementNullable)
                {
                    errors[path] = ["Must not be null"];
                }
                else if (item is not null)
                {
                    Walk(item, path + ".", depth + 1, errors);
                }

                index++;
            }
        }

        foreach (var property in Nested.GetOrAdd(type, NestedPropertiesOf))
        {
            if (property.GetValue(value) is { } child)
            {
                Walk(child, $"{prefix}{JsonName(property)}.", depth + 1, errors);
            }
        }
    }

    private static bool IsOurs(Type type) => type.Namespace?.StartsWith("Smackdab.", StringComparison.Ordinal) == true;

    private static IReadOnlyList<ListProperty> ListPropertiesOf(Type type)
    {
        var nullability = new NullabilityInfoContext();
        var lists = new List<ListProperty>();
        foreach (var property in Readable(type))
        {
            var elementType = ElementType(property.PropertyType);
            if (elementType is null || elementType.IsValueType)
            {
                continue;
            }

            var info = nullability.Create(property);
            var elementNullable = info.ElementType?.ReadState == NullabilityState.Nullable
                || info.GenericTypeArguments.FirstOrDefault()?.ReadState == NullabilityState.Nullable;
            lists.Add(new ListProperty(property, JsonName(property), elementNullable));
        }

        return lists;
    }

    private static IReadOnlyList<PropertyInfo> NestedPropertiesOf(Type type) =>
        Readable(type).Where(p => !p.PropertyType.IsValueType && IsOurs(p.PropertyType) && ElementType(p.PropertyType) is null).ToList();

    private static IEnumerable<PropertyInfo> Readable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0 && !p.IsDefined(typeof(JsonIgnoreAttribute)) && !p.GetMethod!.IsStatic);

    /// <summary>The element type of an array or a generic list/collection (not of strings or dictionaries); null otherwise.</summary>
    private static Type? ElementType(Type type)
    {
        if (type == typeof(string))
        {
            return null;
        }

        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (!type.IsGenericType || type.GetInterfaces().Append(type).Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>) || i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>)))
        {
            return null;
        }

        var enumerable = type.GetInterfaces().Append(type)
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return enumerable?.GetGenericArguments()[0];
    }

    private static string JsonName(PropertyInfo property) =>
        property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name);

    private sealed record ListProperty(PropertyInfo Property, string JsonName, bool ElementNullable);
}
