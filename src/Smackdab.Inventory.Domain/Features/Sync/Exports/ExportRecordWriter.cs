using System.Globalization;
using System.Text;
using System.Text.Json;
using CsvHelper;

namespace Smackdab.Inventory.Domain.Features.Sync.Exports;

/// <summary>Writes flat records (the same columns in every format) to a stream, one at a time.</summary>
public abstract class ExportRecordWriter : IAsyncDisposable
{
    protected ExportRecordWriter(IReadOnlyList<string> columns)
    {
        Columns = columns;
    }

    protected IReadOnlyList<string> Columns { get; }

    public static ExportRecordWriter Create(string format, Stream output, IReadOnlyList<string> columns) => format switch
    {
        ExportFormats.Csv => new CsvRecordWriter(output, columns),
        ExportFormats.Ndjson => new NdjsonRecordWriter(output, columns),
        _ => new JsonRecordWriter(output, columns),
    };

    /// <summary>Starts the file; <paramref name="metadata"/> goes into formats that have room for it (JSON).</summary>
    public abstract Task BeginAsync(IReadOnlyDictionary<string, object?> metadata, CancellationToken ct);

    public abstract Task WriteAsync(object?[] values, CancellationToken ct);

    public abstract Task EndAsync(CancellationToken ct);

    public abstract ValueTask DisposeAsync();

    internal static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case string s:
                json.WriteStringValue(s);
                break;
            case decimal d:
                json.WriteNumberValue(d);
                break;
            case int i:
                json.WriteNumberValue(i);
                break;
            case long l:
                json.WriteNumberValue(l);
                break;
            case bool b:
                json.WriteBooleanValue(b);
                break;
            case DateTime t:
                json.WriteStringValue(FormatTime(t));
                break;
            case IReadOnlyDictionary<string, object?> map:
                json.WriteStartObject();
                foreach (var (key, item) in map)
                {
                    json.WritePropertyName(key);
                    WriteValue(json, item);
                }

                json.WriteEndObject();
                break;
            default:
                json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    internal static string FormatTime(DateTime t) =>
        DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    internal static string? FormatText(object? value) => value switch
    {
        null => null,
        DateTime t => FormatTime(t),
        decimal d => d.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    private sealed class JsonRecordWriter(Stream output, IReadOnlyList<string> columns) : ExportRecordWriter(columns)
    {
        private readonly Utf8JsonWriter _json = new(output);

        public override async Task BeginAsync(IReadOnlyDictionary<string, object?> metadata, CancellationToken ct)
        {
            _json.WriteStartObject();
            _json.WritePropertyName("export_metadata");
            WriteValue(_json, metadata);
            _json.WriteStartArray("records");
            await _json.FlushAsync(ct);
        }

        public override async Task WriteAsync(object?[] values, CancellationToken ct)
        {
            _json.WriteStartObject();
            for (var i = 0; i < Columns.Count; i++)
            {
                _json.WritePropertyName(Columns[i]);
                WriteValue(_json, values[i]);
            }

            _json.WriteEndObject();
            if (_json.BytesPending > 32 * 1024)
            {
                await _json.FlushAsync(ct);
            }
        }

        public override async Task EndAsync(CancellationToken ct)
        {
            _json.WriteEndArray();
            _json.WriteEndObject();
            await _json.FlushAsync(ct);
        }

        public override ValueTask DisposeAsync() => _json.DisposeAsync();
    }

    private sealed class NdjsonRecordWriter(Stream output, IReadOnlyList<string> columns) : ExportRecordWriter(columns)
    {
        private static readonly byte[] NewLine = "\n"u8.ToArray();
        private readonly Utf8JsonWriter _json = new(output);

        public override Task BeginAsync(IReadOnlyDictionary<string, object?> metadata, CancellationToken ct) => Task.CompletedTask;

        public override async Task WriteAsync(object?[] values, CancellationToken ct)
        {
            _json.WriteStartObject();
            for (var i = 0; i < Columns.Count; i++)
            {
                _json.WritePropertyName(Columns[i]);
                WriteValue(_json, values[i]);
            }

            _json.WriteEndObject();
            await _json.FlushAsync(ct);
            _json.Reset();
            await output.WriteAsync(NewLine, ct);
        }

        public override async Task EndAsync(CancellationToken ct) => await output.FlushAsync(ct);

        public override ValueTask DisposeAsync() => _json.DisposeAsync();
    }

    private sealed class CsvRecordWriter : ExportRecordWriter
    {
        private readonly StreamWriter _text;
        private readonly CsvWriter _csv;

        public CsvRecordWriter(Stream output, IReadOnlyList<string> columns)
            : base(columns)
        {
            _text = new StreamWriter(output, new UTF8Encoding(false), 64 * 1024, leaveOpen: true);
            _csv = new CsvWriter(_text, CultureInfo.InvariantCulture, leaveOpen: true);
        }

        public override async Task BeginAsync(IReadOnlyDictionary<string, object?> metadata, CancellationToken ct)
        {
            foreach (var column in Columns)
            {
                _csv.WriteField(column);
            }

            await _csv.NextRecordAsync();
        }

        public override async Task WriteAsync(object?[] values, CancellationToken ct)
        {
            foreach (var value in values)
            {
                _csv.WriteField(FormatText(value));
            }

            await _csv.NextRecordAsync();
        }

        public override async Task EndAsync(CancellationToken ct)
        {
            await _csv.FlushAsync();
            await _text.FlushAsync(ct);
        }

        public override async ValueTask DisposeAsync()
        {
            await _csv.DisposeAsync();
            await _text.DisposeAsync();
        }
    }
}
