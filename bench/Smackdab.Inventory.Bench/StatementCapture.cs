using System.Text;
using System.Text.RegularExpressions;

namespace Smackdab.Inventory.Bench;

/// <summary>
/// Reads the PostgreSQL log (log_statement=all, log_line_prefix '@@%a|%p@@ ') from a byte offset and writes the
/// statements the API's connections sent as a pgbench script for <c>pgbench -M prepared</c>. Parameter values become
/// pgbench variables (passed with -D, so that no value is parsed as SQL) with casts where the server cannot infer a type.
/// Values that must differ per request (the Idempotency-Key, ids the API generates for new rows) become unique per
/// execution, and the optimistic version check of an UPDATE is kept true, so that every replay does the same work.
/// </summary>
public static partial class StatementCapture
{
    public static int Run(string logPath, long offset, string application, string scriptPath, string varsPath, string tag, string[] uniqueValues)
    {
        var statements = Read(logPath, offset, application);
        if (statements.Count == 0)
        {
            Console.Error.WriteLine($"capture {tag}: no statements from application {application} in the log");
            return 1;
        }

        var unique = new HashSet<string>(uniqueValues, StringComparer.Ordinal);
        foreach (var (sql, parameters) in statements)
        {
            // An id first seen in an INSERT is a new row's key: it must be new on every replay too.
            if (sql.TrimStart().StartsWith("INSERT", StringComparison.OrdinalIgnoreCase)
                || (sql.TrimStart().StartsWith("WITH", StringComparison.OrdinalIgnoreCase) && sql.Contains("INSERT INTO", StringComparison.OrdinalIgnoreCase)))
            {
                foreach (var value in parameters.Values)
                {
                    if (value is not null && (GeneratedId().IsMatch(value) || IsIdArray(value)) && !SeenBefore(statements, sql, value))
                    {
                        unique.Add(value);
                    }
                }
            }
        }

        var script = new StringBuilder();
        script.AppendLine("\\set r random(1, 1000000000000000)");
        var vars = new StringBuilder();
        var n = 0;
        foreach (var (sql, parameters) in statements)
        {
            var text = sql;
            if (text.TrimStart().StartsWith("UPDATE", StringComparison.OrdinalIgnoreCase))
            {
                // Only in the WHERE clause: SET version = $n stays.
                var where = WhereKeyword().Matches(text) is { Count: > 0 } found ? found[^1].Index : -1;
                if (where >= 0)
                {
                    text = text[..where] + VersionCheck().Replace(text[where..], "version = version");
                }
            }

            // Highest numbers first, so that $1 does not match the start of $12.
            foreach (var (number, value) in parameters.OrderByDescending(p => p.Key))
            {
                string replacement;
                if (value is null)
                {
                    replacement = "NULL";
                }
                else if (unique.Contains(value) && IsIdArray(value))
                {
                    // New ids in an array (e.g. event ids of the outbox insert): each element new per replay.
                    var items = value[1..^1].Split(',');
                    replacement = "ARRAY[" + string.Join(", ", items.Select((item, i) =>
                        $"('{Prefix(item)}' || CAST(:client_id AS text) || '_' || CAST(:r AS text) || '_{i}')")) + "]";
                }
                else if (unique.Contains(value))
                {
                    replacement = $"('{Prefix(value)}' || CAST(:client_id AS text) || '_' || CAST(:r AS text))";
                }
                else
                {
                    var name = $"{tag}_{++n}";
                    vars.Append(name).Append('=').Append(value).Append('\0');
                    replacement = Cast(value) is { } type ? $"CAST(:{name} AS {type})" : ":" + name;
                }

                text = Regex.Replace(text, $@"\${number}(?![0-9])", replacement.Replace("$", "$$", StringComparison.Ordinal));
            }

            script.Append(text.TrimEnd().TrimEnd(';')).AppendLine(";");
        }

        File.WriteAllText(scriptPath, script.ToString());
        File.WriteAllText(varsPath, vars.ToString());
        Console.WriteLine($"capture {tag}: {statements.Count} statements");
        return 0;
    }

    private static bool IsIdArray(string value) =>
        value.Length > 2 && value[0] == '{' && value[^1] == '}' && value[1..^1].Split(',').All(item => GeneratedId().IsMatch(item));

    private static bool IsJson(string value)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(value);
            return true;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static bool SeenBefore(List<(string Sql, Dictionary<int, string?> Parameters)> statements, string sql, string value)
    {
        foreach (var (s, p) in statements)
        {
            if (ReferenceEquals(s, sql))
            {
                return false;
            }

            if (p.ContainsValue(value))
            {
                return true;
            }
        }

        return false;
    }

    private static string Prefix(string value) =>
        GeneratedId().Match(value) is { Success: true } m ? m.Groups[1].Value + "_b" : "k";

    /// <summary>The type to state where the server could not infer one from an untyped parameter.</summary>
    private static string? Cast(string value)
    {
        if (value.StartsWith("[{", StringComparison.Ordinal) || value == "[]" || (value.StartsWith("{\"", StringComparison.Ordinal) && IsJson(value)))
        {
            return "jsonb";
        }

        // An array literal, also one of quoted elements such as {"{\"id\":1}","{…}"} (not JSON: no key before a colon).
        if (value.StartsWith('{') && value.EndsWith('}'))
        {
            return "text[]";
        }

        if (Timestamp().IsMatch(value))
        {
            return "timestamptz";
        }

        if (Number().IsMatch(value) || value is "t" or "f" or "true" or "false")
        {
            return null;
        }

        return "text";
    }

    private static List<(string Sql, Dictionary<int, string?> Parameters)> Read(string logPath, long offset, string application)
    {
        using var stream = new FileStream(logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(offset, SeekOrigin.Begin);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var records = new List<(string App, string Body)>();
        StringBuilder? current = null;
        string? currentApp = null;
        while (reader.ReadLine() is { } line)
        {
            var m = Prefix().Match(line);
            if (m.Success)
            {
                if (current is not null)
                {
                    records.Add((currentApp!, current.ToString()));
                }

                currentApp = m.Groups[1].Value;
                current = new StringBuilder(line[m.Length..]);
            }
            else
            {
                current?.Append('\n').Append(line.StartsWith('\t') ? line[1..] : line);
            }
        }

        if (current is not null)
        {
            records.Add((currentApp!, current.ToString()));
        }

        var statements = new List<(string, Dictionary<int, string?>)>();
        foreach (var (app, body) in records)
        {
            if (app != application)
            {
                continue;
            }

            if (Statement().Match(body) is { Success: true } s)
            {
                // Npgsql's reset of a pooled connection (no No Reset On Close). Replayed, it would drop pgbench's own
                // prepared statements; left out, its cost counts against the API, where it belongs.
                var text = s.Groups[1].Value.Trim().TrimEnd(';');
                // A ROLLBACK before the request's first statement ends a transaction of an earlier, aborted request
                // (wrk closing its connections at the end of a run): not part of this request.
                var strayRollback = statements.Count == 0 && text.Equals("ROLLBACK", StringComparison.OrdinalIgnoreCase);
                if (!strayRollback && !text.Equals("DISCARD ALL", StringComparison.OrdinalIgnoreCase))
                {
                    statements.Add((s.Groups[1].Value, []));
                }
            }
            else if (body.StartsWith("DETAIL:  parameters: ", StringComparison.Ordinal) && statements.Count > 0)
            {
                ParseParameters(body["DETAIL:  parameters: ".Length..], statements[^1].Item2);
            }
        }

        return statements;
    }

    private static void ParseParameters(string text, Dictionary<int, string?> into)
    {
        var i = 0;
        while (i < text.Length)
        {
            var m = ParameterName().Match(text, i);
            if (!m.Success || m.Index != i)
            {
                return;
            }

            var number = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            i += m.Length;
            if (string.CompareOrdinal(text, i, "NULL", 0, 4) == 0)
            {
                into[number] = null;
                i += 4;
            }
            else
            {
                var value = new StringBuilder();
                i++; // opening quote
                while (i < text.Length)
                {
                    if (text[i] == '\'')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '\'')
                        {
                            value.Append('\'');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    value.Append(text[i++]);
                }

                into[number] = value.ToString();
            }

            if (i < text.Length && text[i] == ',')
            {
                i += 2;
            }
        }
    }

    [GeneratedRegex(@"^@@([^|]*)\|\d+@@ ")]
    private static partial Regex Prefix();

    [GeneratedRegex(@"^LOG:  (?:execute [^:]+|statement): (.*)$", RegexOptions.Singleline)]
    private static partial Regex Statement();

    [GeneratedRegex(@"\$(\d+) = ")]
    private static partial Regex ParameterName();

    [GeneratedRegex(@"^([a-z]{2,12})_[A-Za-z0-9]{10,}$")]
    private static partial Regex GeneratedId();

    [GeneratedRegex(@"""?version""?\s*=\s*\$\d+")]
    private static partial Regex VersionCheck();

    [GeneratedRegex(@"\bWHERE\b", RegexOptions.IgnoreCase)]
    private static partial Regex WhereKeyword();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}")]
    private static partial Regex Timestamp();

    [GeneratedRegex(@"^-?\d+(\.\d+)?$")]
    private static partial Regex Number();
}
