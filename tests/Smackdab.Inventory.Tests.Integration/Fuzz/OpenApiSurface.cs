using System.Text.Json.Nodes;

namespace Smackdab.Inventory.Tests.Integration.Fuzz;

/// <summary>Who an operation expects as caller, read from its security requirements in swagger.json.</summary>
public enum CallerKind
{
    /// <summary>No security requirement (OAuth protocol endpoints, well-known documents).</summary>
    Anonymous,

    /// <summary>A tenant credential with a scope (x-required-scopes).</summary>
    Tenant,

    /// <summary>API key only and no tenant scope: the platform key.</summary>
    Platform,
}

public sealed record FuzzParameter(string Name, string In, JsonNode? Schema, string? Description, bool Required);

/// <summary>One operation of the API as swagger.json describes it, with its request body schema resolved.</summary>
public sealed record FuzzOperation(
    string Method,
    string PathTemplate,
    IReadOnlyList<FuzzParameter> Parameters,
    string? BodyMediaType,
    JsonNode? BodySchema,
    CallerKind Caller,
    bool EnvelopedSuccess)
{
    public string Name => $"{Method} {PathTemplate}";

    public IEnumerable<FuzzParameter> PathParameters => Parameters.Where(p => p.In == "path");

    public IEnumerable<FuzzParameter> QueryParameters => Parameters.Where(p => p.In == "query");

    public bool DeclaresHeader(string name) => Parameters.Any(p => p.In == "header" && string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    public bool IsList => QueryParameters.Any(p => p.Name is "page" or "after_key");

    public bool IsForm => BodyMediaType == "application/x-www-form-urlencoded";
}

/// <summary>Reads the operations out of the API's own swagger.json, so that every endpoint added later is fuzzed too.</summary>
public static class OpenApiSurface
{
    private static readonly string[] Methods = ["get", "post", "put", "patch", "delete"];

    public static IReadOnlyList<FuzzOperation> Read(JsonNode document)
    {
        var operations = new List<FuzzOperation>();
        var schemas = document["components"]?["schemas"]?.AsObject();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var method in Methods)
            {
                if (item?[method] is not JsonObject operation)
                {
                    continue;
                }

                var parameters = (operation["parameters"]?.AsArray() ?? [])
                    .OfType<JsonObject>()
                    .Select(p => new FuzzParameter(
                        p["name"]!.GetValue<string>(),
                        p["in"]!.GetValue<string>(),
                        Resolve(p["schema"], schemas),
                        p["description"]?.GetValue<string>(),
                        p["required"]?.GetValue<bool>() ?? false))
                    .ToList();

                var (mediaType, bodySchema) = Body(operation, schemas);
                operations.Add(new FuzzOperation(method.ToUpperInvariant(), path, parameters, mediaType, bodySchema, Caller(operation), EnvelopedSuccess(operation)));
            }
        }

        // A merge-patch body has no schema of its own: it is the PUT body of the same resource, every field optional.
        return operations
            .Select(o => o is { Method: "PATCH", BodyMediaType: not null } && IsEmptySchema(o.BodySchema)
                ? o with { BodySchema = operations.FirstOrDefault(p => p.Method == "PUT" && p.PathTemplate == o.PathTemplate)?.BodySchema ?? o.BodySchema }
                : o)
            .ToList();
    }

    /// <summary>Replaces $ref with the referenced schema, recursively (the API's schemas are not recursive).</summary>
    public static JsonNode? Resolve(JsonNode? schema, JsonObject? schemas, int depth = 0)
    {
        if (schema is null || depth > 20)
        {
            return schema;
        }

        if (schema is JsonObject obj && obj["$ref"]?.GetValue<string>() is { } reference && schemas is not null)
        {
            var name = reference[(reference.LastIndexOf('/') + 1)..];
            return Resolve(schemas[name]?.DeepClone(), schemas, depth + 1);
        }

        if (schema is JsonObject map)
        {
            var copy = new JsonObject();
            foreach (var (key, value) in map)
            {
                copy[key] = key is "properties"
                    ? new JsonObject(value!.AsObject().Select(p => KeyValuePair.Create(p.Key, Resolve(p.Value, schemas, depth + 1))))
                    : key is "items" or "additionalProperties" && value is JsonObject
                        ? Resolve(value, schemas, depth + 1)
                        : value?.DeepClone();
            }

            return copy;
        }

        return schema.DeepClone();
    }

    private static (string? MediaType, JsonNode? Schema) Body(JsonObject operation, JsonObject? schemas)
    {
        if (operation["requestBody"]?["content"] is not JsonObject content || content.Count == 0)
        {
            return (null, null);
        }

        var preferred = new[] { "application/json", "application/merge-patch+json", "application/x-www-form-urlencoded" }
            .FirstOrDefault(content.ContainsKey) ?? content.First().Key;
        return (preferred, Resolve(content[preferred]?["schema"], schemas));
    }

    /// <summary>Whether swagger documents a success envelope (downloads and the OAuth protocol answer in other formats).</summary>
    private static bool EnvelopedSuccess(JsonObject operation) =>
        (operation["responses"]?.AsObject() ?? [])
            .Where(r => r.Key.StartsWith('2'))
            .SelectMany(r => r.Value?["content"]?.AsObject() ?? [])
            .Any(c => c.Value?["schema"]?["$ref"]?.GetValue<string>().Contains("Envelope", StringComparison.Ordinal) == true);

    private static CallerKind Caller(JsonObject operation)
    {
        if (operation["security"] is not JsonArray { Count: > 0 })
        {
            return CallerKind.Anonymous;
        }

        return operation["x-required-scopes"] is JsonArray { Count: > 0 } ? CallerKind.Tenant : CallerKind.Platform;
    }

    private static bool IsEmptySchema(JsonNode? schema) => schema is null || (schema is JsonObject o && o.Count == 0);
}
