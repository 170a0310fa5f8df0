using System.Globalization;
using System.Text;

namespace Smackdab.Inventory.Tests.Integration.Fuzz;

/// <summary>One generated request, kept as plain data so that a failure can be printed and replayed.</summary>
public sealed class FuzzRequest(int index, FuzzOperation operation, bool valid)
{
    public int Index { get; } = index;

    public FuzzOperation Operation { get; } = operation;

    /// <summary>True when the request was generated to be accepted (real ids, a body from the schema, sane headers).</summary>
    public bool Valid { get; } = valid;

    public string Path { get; set; } = "";

    public string Query { get; set; } = "";

    public List<KeyValuePair<string, string>> Headers { get; } = [];

    public byte[]? Body { get; set; }

    public string? ContentType { get; set; }

    public string? ContentEncoding { get; set; }

    /// <summary>Path parameter values as sent (before escaping).</summary>
    public Dictionary<string, string> PathValues { get; } = new(StringComparer.Ordinal);

    /// <summary>What was done to the request, for the failure report and the histogram of mutations.</summary>
    public List<string> Mutations { get; } = [];

    /// <summary>The credential kind used (admin, platform, bearer, none, bogus…).</summary>
    public string Credential { get; set; } = "none";

    public bool UsesForeignId { get; set; }

    public string Url => Query.Length == 0 ? Path : Path + "?" + Query;

    public HttpRequestMessage ToMessage()
    {
        var message = new HttpRequestMessage(new HttpMethod(Operation.Method), Url);
        if (Body is not null)
        {
            var content = new ByteArrayContent(Body);
            content.Headers.Remove("Content-Type");
            if (ContentType is not null)
            {
                content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
            }

            if (ContentEncoding is not null)
            {
                content.Headers.TryAddWithoutValidation("Content-Encoding", ContentEncoding);
            }

            message.Content = content;
        }

        foreach (var (name, value) in Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        return message;
    }

    /// <summary>A curl-like description: enough to replay the request by hand.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"#{Index} {Operation.Name} [{(Valid ? "valid" : string.Join(", ", Mutations))}] credential={Credential}\n");
        text.Append(CultureInfo.InvariantCulture, $"  {Operation.Method} {Truncate(Url, 400)}\n");
        foreach (var (name, value) in Headers)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {name}: {(name is "X-API-Key" or "Authorization" ? Truncate(value, 16) + "…" : Truncate(value, 120))}\n");
        }

        if (ContentType is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"  Content-Type: {ContentType}\n");
        }

        if (ContentEncoding is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"  Content-Encoding: {ContentEncoding}\n");
        }

        if (Body is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"  body ({Body.Length} bytes): {Truncate(Encoding.UTF8.GetString(Body), 600)}\n");
        }

        return text.ToString();
    }

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max] + $"…(+{value.Length - max})";
}
