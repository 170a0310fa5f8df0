using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using YamlDotNet.RepresentationModel;

namespace Smackdab.Inventory.Tests.Support.Contracts;

/// <summary>shared/schemas/envelope.yaml, loaded once, used to validate every response the tests read.</summary>
public static class EnvelopeSchema
{
    private static readonly Lazy<JsonSchema> Schema = new(Load);

    // JsonSchema.Net evaluation of one schema instance is not safe to run concurrently (seen as spurious oneOf results).
    private static readonly Lock EvaluationLock = new();

    public static JsonNode Document => YamlToJson.Load(System.IO.Path.Combine(RepositoryRoot.Path, "shared", "schemas", "envelope.yaml"));

    public static IReadOnlyList<string> Validate(JsonElement body)
    {
        EvaluationResults result;
        lock (EvaluationLock)
        {
            result = Schema.Value.Evaluate(body, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        }

        if (result.IsValid)
        {
            return [];
        }

        return (result.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Value}"))
            .DefaultIfEmpty("invalid")
            .ToList();
    }

    private static JsonSchema Load() => JsonSchema.FromText(Document.ToJsonString());
}

/// <summary>YAML → JSON with YAML 1.2 core-schema typing of plain scalars (numbers, booleans, null).</summary>
public static class YamlToJson
{
    public static JsonNode Load(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return Convert(stream.Documents[0].RootNode) ?? throw new InvalidDataException($"{path} is empty");
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, Convert(c.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new InvalidDataException($"Unsupported YAML node {node.NodeType}"),
    };

    private static JsonValue? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style != YamlDotNet.Core.ScalarStyle.Plain)
        {
            return JsonValue.Create(value);
        }

        return value switch
        {
            "null" or "~" or "" => null,
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            _ when long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
            _ when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => JsonValue.Create(d),
            _ => JsonValue.Create(value),
        };
    }
}
