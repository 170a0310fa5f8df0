using System.Text.Json;
using System.Text.Json.Nodes;
using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Api.Http;

/// <summary>JSON Merge Patch (RFC 7396): PATCH bodies are merged into the resource's writable fields.</summary>
public static class MergePatch
{
    public static T Apply<T>(T current, JsonElement patch, JsonSerializerOptions options)
    {
        if (patch.ValueKind != JsonValueKind.Object)
        {
            throw new ValidationFailedException("body", "A PATCH body must be a JSON object");
        }

        var target = JsonSerializer.SerializeToNode(current, options)!.AsObject();
        var known = options.GetTypeInfo(typeof(T)).Properties.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var unknown = patch.EnumerateObject().Select(p => p.Name).Where(n => !known.Contains(n)).ToList();
        if (unknown.Count > 0)
        {
            throw new ValidationFailedException(unknown.ToDictionary(n => n, _ => new[] { "Is not a recognised field" }));
        }

        Merge(target, JsonObject.Create(patch)!);
        try
        {
            return target.Deserialize<T>(options)!;
        }
        catch (JsonException e)
        {
            var path = e.Path is { Length: > 2 } p ? p[2..] : "body";
            throw new ValidationFailedException(path, "Has the wrong type");
        }
    }

    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (name, value) in patch.ToList())
        {
            if (value is null)
            {
                target.Remove(name);
            }
            else if (value is JsonObject patchObject && target[name] is JsonObject targetObject)
            {
                Merge(targetObject, patchObject);
            }
            else
            {
                target[name] = value.DeepClone();
            }
        }
    }
}
