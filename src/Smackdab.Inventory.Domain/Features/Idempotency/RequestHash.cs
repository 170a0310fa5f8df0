using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Smackdab.Inventory.Domain.Features.Idempotency;

/// <summary>
/// The fingerprint of a request for idempotency: SHA-256 over the method, the concrete path and query, and the body
/// in canonical JSON (objects' keys sorted ordinally, no insignificant whitespace, numbers and strings as sent), so
/// that the same JSON with other key order or spacing is the same request. A body that is not JSON is hashed as bytes.
/// </summary>
public static class RequestHash
{
    public const string Prefix = "sha256:";

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Compute(string method, string pathAndQuery, ReadOnlyMemory<byte> body) => Compute(method, pathAndQuery, "", body);

    // tenantHeaders: the headers that change what a request acts on though path and body are the same (X-Branch-ID,
    // X-Inventory-Mode), one string; empty adds nothing, so hashes of requests without them are unchanged.
    public static string Compute(string method, string pathAndQuery, string tenantHeaders, ReadOnlyMemory<byte> body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{method.ToUpperInvariant()} {pathAndQuery}\n"));
        if (tenantHeaders.Length > 0)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(tenantHeaders + "\n"));
        }

        hash.AppendData(Canonicalize(body));
        return Prefix + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The canonical JSON of <paramref name="body"/>, or the bytes unchanged when they are not JSON.</summary>
    public static byte[] Canonicalize(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty)
        {
            return [];
        }

        // JsonDocument accepts invalid UTF-8 inside strings and fails only when a string is read: hash such bytes as they are.
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            return body.ToArray();
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return body.ToArray();
        }

        using (document)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                Write(writer, document.RootElement);
            }

            return buffer.ToArray();
        }
    }

    private static void Write(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                // Numbers keep their text (1.0 and 1 differ: the client sent different requests); strings are re-escaped uniformly.
                element.WriteTo(writer);
                break;
        }
    }
}
