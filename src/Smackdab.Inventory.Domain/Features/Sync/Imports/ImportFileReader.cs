using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;

namespace Smackdab.Inventory.Domain.Features.Sync.Imports;

/// <summary>One data row: its 1-based number and its fields by target name (after the column mapping).</summary>
public sealed record ImportRow(long Number, IReadOnlyDictionary<string, string?> Fields)
{
    /// <summary>The trimmed value, or null when absent or blank.</summary>
    public string? Get(string field) =>
        Fields.TryGetValue(field, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    /// <summary>The row's own id (a product's SKU, a transaction's source transaction_id), else "row_N".</summary>
    public string RecordId(string importType) =>
        (importType == ImportTypes.Products ? Get("sku") : Get("transaction_id")) ?? $"row_{Number}";
}

/// <summary>A file that cannot be read at all (not a CSV, not JSON); reported as one MALFORMED_FILE error.</summary>
public sealed class MalformedImportFileException(string message, long row) : Exception(message)
{
    public long Row { get; } = row;
}

/// <summary>
/// Streams the rows of a CSV (CsvHelper) or JSON file without holding the file in memory: a JSON array is read element by
/// element; a JSON object is read as an export file and its "records" array is used, or the "inventory_transactions" array of
/// an ERP export file (that form is parsed whole).
/// Nested JSON values {"value","uom"} and {"amount","currency"} are flattened to quantity/uom and unit_cost/currency.
/// </summary>
public static class ImportFileReader
{
    public static IAsyncEnumerable<ImportRow> ReadAsync(string path, string format, IReadOnlyDictionary<string, string>? mapping, CancellationToken ct) =>
        format == ImportFormats.Json ? ReadJsonAsync(path, mapping, ct) : ReadCsvAsync(path, mapping, ct);

    private static async IAsyncEnumerable<ImportRow> ReadCsvAsync(string path, IReadOnlyDictionary<string, string>? mapping, [EnumeratorCancellation] CancellationToken ct)
    {
        using var text = new StreamReader(path, detectEncodingFromByteOrderMarks: true);
        var configuration = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            DetectDelimiter = false,
            BadDataFound = null,
            MissingFieldFound = null,
            TrimOptions = TrimOptions.None,
        };
        using var csv = new CsvReader(text, configuration);
        string[] header;
        try
        {
            if (!await csv.ReadAsync())
            {
                yield break;
            }

            csv.ReadHeader();
            header = csv.HeaderRecord ?? [];
        }
        catch (CsvHelperException e)
        {
            throw new MalformedImportFileException("The CSV header cannot be read: " + e.GetType().Name, 0);
        }

        var columns = Columns(header, mapping);
        long number = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            bool more;
            try
            {
                more = await csv.ReadAsync();
            }
            catch (CsvHelperException)
            {
                throw new MalformedImportFileException("The CSV is malformed (unbalanced quotes?)", number + 1);
            }

            if (!more)
            {
                yield break;
            }

            number++;
            var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var (target, index) in columns)
            {
                fields[target] = index < csv.Parser.Count ? csv.Parser[index] : null;
            }

            yield return new ImportRow(number, fields);
        }
    }

    /// <summary>Target field → column index: through the mapping when given, else by the header's own (lower-cased) names.</summary>
    private static List<(string Target, int Index)> Columns(string[] header, IReadOnlyDictionary<string, string>? mapping)
    {
        var byName = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < header.Length; i++)
        {
            byName.TryAdd(header[i].Trim(), i);
        }

        if (mapping is { Count: > 0 })
        {
            return mapping.Where(m => byName.ContainsKey(m.Value)).Select(m => (m.Key, byName[m.Value])).ToList();
        }

        return byName.Select(c => (c.Key.ToLowerInvariant(), c.Value)).ToList();
    }

    private static async IAsyncEnumerable<ImportRow> ReadJsonAsync(string path, IReadOnlyDictionary<string, string>? mapping, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
        var first = await FirstSignificantByteAsync(stream, ct);
        stream.Position = 0;
        long number = 0;
        if (first == '[')
        {
            var elements = JsonSerializer.DeserializeAsyncEnumerable<JsonElement>(stream, cancellationToken: ct);
            await using var enumerator = elements.GetAsyncEnumerator(ct);
            while (true)
            {
                bool more;
                try
                {
                    more = await enumerator.MoveNextAsync();
                }
                catch (JsonException e)
                {
                    throw new MalformedImportFileException("The JSON is malformed: " + e.Message, number + 1);
                }

                if (!more)
                {
                    yield break;
                }

                number++;
                yield return new ImportRow(number, Flatten(enumerator.Current, mapping));
            }
        }

        if (first != '{')
        {
            throw new MalformedImportFileException("A JSON import is an array of records or an object with a \"records\" array", 0);
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(stream, cancellationToken: ct);
        }
        catch (JsonException e)
        {
            throw new MalformedImportFileException("The JSON is malformed: " + e.Message, 0);
        }

        using (document)
        {
            // An export file has "records"; an ERP export file has its transactions under "inventory_transactions".
            if (!TryGetArray(document.RootElement, "records", out var records) && !TryGetArray(document.RootElement, "inventory_transactions", out records))
            {
                throw new MalformedImportFileException("A JSON import object needs a \"records\" (or \"inventory_transactions\") array", 0);
            }

            foreach (var element in records.EnumerateArray())
            {
                number++;
                yield return new ImportRow(number, Flatten(element, mapping));
            }
        }
    }

    private static bool TryGetArray(JsonElement root, string name, out JsonElement array)
    {
        if (root.TryGetProperty(name, out array) && array.ValueKind == JsonValueKind.Array)
        {
            return true;
        }

        array = default;
        return false;
    }

    private static async Task<int> FirstSignificantByteAsync(Stream stream, CancellationToken ct)
    {
        var buffer = new byte[1];
        while (await stream.ReadAsync(buffer, ct) == 1)
        {
            // UTF-8 byte order mark and whitespace.
            if (buffer[0] is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or 0xEF or 0xBB or 0xBF))
            {
                return buffer[0];
            }
        }

        return -1;
    }

    private static Dictionary<string, string?> Flatten(JsonElement element, IReadOnlyDictionary<string, string>? mapping)
    {
        var raw = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (element.ValueKind != JsonValueKind.Object)
        {
            return new Dictionary<string, string?>(StringComparer.Ordinal) { ["__not_an_object"] = element.ValueKind.ToString() };
        }

        foreach (var property in element.EnumerateObject())
        {
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("value", out var amount))
            {
                raw[property.Name] = Text(amount);
                if (value.TryGetProperty("uom", out var uom))
                {
                    raw.TryAdd("uom", Text(uom));
                }
            }
            else if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("amount", out var money))
            {
                raw[property.Name] = Text(money);
                if (value.TryGetProperty("currency", out var currency))
                {
                    raw.TryAdd("currency", Text(currency));
                }
            }
            else
            {
                raw[property.Name] = Text(value);
            }
        }

        if (mapping is { Count: > 0 })
        {
            return mapping.ToDictionary(m => m.Key, m => raw.TryGetValue(m.Value, out var v) ? v : null, StringComparer.Ordinal);
        }

        return raw.ToDictionary(r => r.Key.ToLowerInvariant(), r => r.Value, StringComparer.Ordinal);
    }

    private static string? Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.String => value.GetString(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => value.GetRawText(),
    };
}
