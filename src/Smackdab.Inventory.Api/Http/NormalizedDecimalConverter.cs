using System.Text.Json;
using System.Text.Json.Serialization;

namespace Smackdab.Inventory.Api.Http;

/// <summary>Writes decimals without the trailing zeros of the database scale (25.5000 → 25.5).</summary>
public sealed class NormalizedDecimalConverter : JsonConverter<decimal>
{
    public override decimal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDecimal();

    public override void Write(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value / 1.000000000000000000000000000000000m);
}
