using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Smackdab.Inventory.Tests.Support.Contracts;

/// <summary>shared/hooks.yaml: the catalogue of change feed events, each validated as envelope + its type's data schema.</summary>
public static class HooksSchema
{
    private static readonly Lazy<JsonNode> Catalogue = new(() =>
        YamlToJson.Load(System.IO.Path.Combine(RepositoryRoot.Path, "shared", "hooks.yaml")));

    private static readonly Lazy<Dictionary<string, JsonSchema>> Schemas = new(Build);

    private static readonly Lock EvaluationLock = new();

    public static IReadOnlyCollection<string> EventTypes => Schemas.Value.Keys;

    /// <summary>The spec's short stream names by full type (events.&lt;type&gt;.stream_name).</summary>
    public static IReadOnlyDictionary<string, string> StreamNames =>
        Catalogue.Value["events"]!.AsObject()
            .Where(e => e.Value!["stream_name"] is not null)
            .ToDictionary(e => e.Key, e => e.Value!["stream_name"]!.GetValue<string>());

    /// <summary>Errors of <paramref name="envelope"/> against its event type's schema; empty when valid.</summary>
    public static IReadOnlyList<string> Validate(JsonElement envelope)
    {
        var type = envelope.TryGetProperty("event_type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "";
        if (!Schemas.Value.TryGetValue(type, out var schema))
        {
            return [$"event_type '{type}' is not catalogued in shared/hooks.yaml"];
        }

        EvaluationResults result;
        lock (EvaluationLock)
        {
            result = schema.Evaluate(envelope, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        }

        return result.IsValid
            ? []
            : (result.Details ?? [])
                .Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{type} {d.InstanceLocation} ({d.EvaluationPath}): {e.Value}"))
                .DefaultIfEmpty($"{type}: invalid")
                .ToList();
    }

    private static Dictionary<string, JsonSchema> Build()
    {
        var catalogue = Catalogue.Value;
        var schemas = new Dictionary<string, JsonSchema>(StringComparer.Ordinal);
        foreach (var (type, entry) in catalogue["events"]!.AsObject())
        {
            var composed = new JsonObject
            {
                ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
                ["$id"] = $"https://smackdab.example/hooks/{type}",
                ["$defs"] = catalogue["$defs"]!.DeepClone(),
                ["allOf"] = new JsonArray(
                    catalogue["envelope"]!.DeepClone(),
                    new JsonObject
                    {
                        ["properties"] = new JsonObject
                        {
                            ["event_type"] = new JsonObject { ["const"] = type },
                            ["data"] = entry!["data"]!.DeepClone(),
                        },
                    }),
            };
            schemas[type] = JsonSchema.FromText(composed.ToJsonString());
        }

        return schemas;
    }
}
