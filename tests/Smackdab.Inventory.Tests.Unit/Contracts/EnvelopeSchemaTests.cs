using System.Text.Json;
using Smackdab.Inventory.Tests.Support.Contracts;
using Xunit;

namespace Smackdab.Inventory.Tests.Unit.Contracts;

public sealed class EnvelopeSchemaTests
{
    private const string ListBody = """{"data":[],"meta":{"request_id":"req_1","processing_time_ms":9,"pagination":{"page":1,"pageSize":25,"total":0,"hasMore":false,"nextCursor":null,"sort":"-created_at"}},"message":null,"toast":false,"responseType":"success"}""";
    private const string SuccessBody = """{"data":{"id":"prod_1"},"meta":{"request_id":"req_1","processing_time_ms":1},"message":"ok","toast":true,"responseType":"success"}""";
    private const string ErrorBody = """{"data":null,"error":{"code":"NOT_FOUND","message":"Product not found","details":{"id":"x"},"request_id":"req_1","timestamp":"2025-01-28T10:30:00Z"},"meta":{"request_id":"req_1"},"message":"Product not found","toast":false,"responseType":"error"}""";

    [Theory]
    [InlineData(ListBody)]
    [InlineData(SuccessBody)]
    [InlineData(ErrorBody)]
    public void Spec_shaped_bodies_are_valid(string body) =>
        Assert.Empty(EnvelopeSchema.Validate(JsonDocument.Parse(body).RootElement));

    [Theory]
    [InlineData("""{"data":null,"error":{"code":"NOT_A_CODE","message":"x","details":{},"request_id":"req_1","timestamp":"2025-01-28T10:30:00Z"},"message":"x","toast":false,"responseType":"error"}""")]
    [InlineData("""{"data":{"id":"x"},"error":{"code":"NOT_FOUND","message":"x","details":{},"request_id":"req_1","timestamp":"2025-01-28T10:30:00Z"},"message":"x","toast":false,"responseType":"error"}""")]
    [InlineData("""{"data":[],"meta":{"request_id":"req_1"},"message":null,"toast":false,"responseType":"success"}""")]
    [InlineData("""{"data":{"id":"x"},"meta":{"request_id":"req_1"},"message":null,"toast":false,"responseType":"ok"}""")]
    [InlineData("""{"data":{"id":"x"},"meta":{"request_id":"req_1"},"message":null,"toast":false}""")]
    [InlineData("""{"data":null,"error":{"code":"NOT_FOUND","message":"x","request_id":"req_1","timestamp":"2025-01-28T10:30:00Z"},"message":"x","toast":false,"responseType":"error"}""")]
    public void Bodies_that_break_the_contract_are_rejected(string body) =>
        Assert.NotEmpty(EnvelopeSchema.Validate(JsonDocument.Parse(body).RootElement));
}
