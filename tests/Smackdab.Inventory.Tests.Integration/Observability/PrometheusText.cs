using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Smackdab.Inventory.Tests.Integration.Observability;

/// <summary>One sample line of the Prometheus text format.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// A strict parser of the Prometheus text exposition format 0.0.4 (and the OpenMetrics "# EOF" terminator): every line is a
/// HELP, TYPE, comment, blank or sample line; names and label names are valid; label values are quoted with the format's
/// escapes; values are floats (+Inf, -Inf, NaN); a family's TYPE comes before its samples and appears once. Throws on the
/// first line that breaks a rule.
/// </summary>
public static partial class PrometheusText
{
    private static readonly HashSet<string> Types = ["counter", "gauge", "histogram", "summary", "untyped", "unknown", "info", "stateset", "gaugehistogram"];

    public static IReadOnlyList<PrometheusSample> Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        var typed = new Dictionary<string, string>(StringComparer.Ordinal);
        var familiesWithSamples = new HashSet<string>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n].TrimEnd('\r');
            if (line.Length == 0 || line == "# EOF")
            {
                continue;
            }

            try
            {
                if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
                {
                    var parts = line[7..].Split(' ', 2);
                    Require(parts.Length == 2 && MetricName().IsMatch(parts[0]), "malformed TYPE");
                    Require(Types.Contains(parts[1]), $"unknown type {parts[1]}");
                    Require(typed.TryAdd(parts[0], parts[1]), $"second TYPE for {parts[0]}");
                    Require(!familiesWithSamples.Contains(parts[0]), $"TYPE for {parts[0]} after its samples");
                }
                else if (line.StartsWith("# HELP ", StringComparison.Ordinal))
                {
                    Require(MetricName().IsMatch(line[7..].Split(' ', 2)[0]), "malformed HELP");
                }
                else if (line.StartsWith('#'))
                {
                    // A comment.
                }
                else
                {
                    var sample = ParseSample(line);
                    familiesWithSamples.Add(FamilyOf(sample.Name, typed));
                    samples.Add(sample);
                }
            }
            catch (FormatException e)
            {
                throw new FormatException($"Line {n + 1} is not Prometheus text ({e.Message}): {line}", e);
            }
        }

        return samples;
    }

    private static string FamilyOf(string name, Dictionary<string, string> typed)
    {
        foreach (var suffix in new[] { "_bucket", "_count", "_sum", "_total", "_created" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && typed.ContainsKey(name[..^suffix.Length]))
            {
                return name[..^suffix.Length];
            }
        }

        return name;
    }

    private static PrometheusSample ParseSample(string line)
    {
        var i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ')
        {
            i++;
        }

        var name = line[..i];
        Require(MetricName().IsMatch(name), $"bad metric name '{name}'");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (true)
            {
                Require(i < line.Length, "unterminated label set");
                if (line[i] == '}')
                {
                    i++;
                    break;
                }

                var start = i;
                while (i < line.Length && line[i] != '=')
                {
                    i++;
                }

                var labelName = line[start..i];
                Require(LabelName().IsMatch(labelName), $"bad label name '{labelName}'");
                Require(i + 1 < line.Length && line[i + 1] == '"', "label value not quoted");
                i += 2;
                var value = new StringBuilder();
                while (true)
                {
                    Require(i < line.Length, "unterminated label value");
                    var c = line[i++];
                    if (c == '"')
                    {
                        break;
                    }

                    if (c == '\\')
                    {
                        Require(i < line.Length, "dangling escape");
                        var escaped = line[i++];
                        value.Append(escaped switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            _ => throw new FormatException($"bad escape \\{escaped}"),
                        });
                    }
                    else
                    {
                        value.Append(c);
                    }
                }

                Require(labels.TryAdd(labelName, value.ToString()), $"label {labelName} twice");
                if (i < line.Length && line[i] == ',')
                {
                    i++;
                }
            }
        }

        Require(i < line.Length && line[i] == ' ', "no value");
        var rest = line[(i + 1)..].Split(' ');
        Require(rest.Length is 1 or 2, "trailing text");
        if (rest.Length == 2)
        {
            Require(long.TryParse(rest[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _), "bad timestamp");
        }

        return new PrometheusSample(name, labels, ParseValue(rest[0]));
    }

    private static double ParseValue(string text) => text switch
    {
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) => v,
        _ => throw new FormatException($"bad value '{text}'"),
    };

    private static void Require(bool condition, string problem)
    {
        if (!condition)
        {
            throw new FormatException(problem);
        }
    }

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();
}
