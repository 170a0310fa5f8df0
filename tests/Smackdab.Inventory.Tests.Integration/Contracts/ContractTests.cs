using Smackdab.Inventory.Tests.Support.Contracts;

namespace Smackdab.Inventory.Tests.Integration.Contracts;

public sealed class ContractTests(TenantFixture fixture) : IClassFixture<TenantFixture>
{
    [Fact]
    public async Task Envelope_schema_rejects_a_body_that_breaks_the_contract()
    {
        // Guards the guard: every test reads responses through the schema, so it must be able to fail.
        var wrong = JsonDocument.Parse("{\"data\":null,\"error\":{\"code\":\"OOPS\",\"message\":\"x\"},\"responseType\":\"error\"}").RootElement;
        Assert.NotEmpty(EnvelopeSchema.Validate(wrong));

        using var response = await fixture.Client.GetAsync("/v1/products");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Empty(EnvelopeSchema.Validate(body));
    }

    [Fact]
    public async Task Every_error_code_the_domain_defines_is_listed_in_the_schema()
    {
        var listed = EnvelopeSchema.Document["$defs"]!["ErrorCode"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>()).ToHashSet();
        var defined = typeof(Smackdab.Inventory.Domain.Common.ErrorCodes)
            .GetFields()
            .Select(f => (string)f.GetValue(null)!)
            .ToList();
        Assert.All(defined, code => Assert.Contains(code, listed));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Swagger_documents_every_endpoint_the_api_serves_with_the_security_scheme_and_headers()
    {
        using var anonymous = fixture.Api.CreateClient();
        using var response = await anonymous.GetAsync("/swagger/v1/swagger.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        var paths = doc.GetProperty("paths");
        foreach (var path in new[] { "/v1/products", "/v1/products/{id}", "/v1/locations", "/v1/locations/{id}", "/v1/inventory/locations", "/v1/api-keys", "/v1/organizations", "/v1/branches" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} missing from swagger");
        }

        Assert.True(doc.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("ApiKey", out _));
        var list = paths.GetProperty("/v1/products").GetProperty("get");
        var parameters = list.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Contains("X-Organization-ID", parameters);
        Assert.Contains("after_key", parameters);
        Assert.Contains("include", parameters);
        var schemas = doc.GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.GetProperty("ProductWriteRequest").TryGetProperty("example", out _));
    }

    [Fact]
    public async Task Every_standard_header_the_api_reads_is_described_in_parameters_yaml()
    {
        var parameters = YamlToJson.Load(Path.Combine(RepositoryRoot.Path, "shared", "parameters.yaml"));
        var headers = parameters["headers"]!["request"]!.AsObject().Select(p => p.Key).ToHashSet();
        foreach (var header in new[] { "X-API-Key", "X-Organization-ID", "X-Branch-ID", "X-Inventory-Mode", "X-Request-ID", "If-Match", "If-None-Match", "Idempotency-Key" })
        {
            Assert.Contains(header, headers);
        }

        var query = parameters["query"]!.AsObject().Select(p => p.Key).ToHashSet();
        foreach (var name in new[] { "filters[NAME]", "q", "sort", "page", "pageSize", "after_key", "limit", "fields", "include" })
        {
            Assert.Contains(name, query);
        }

        await Task.CompletedTask;
    }

    [Fact]
    public async Task Health_endpoints_answer_in_the_envelope_without_credentials()
    {
        using var anonymous = fixture.Api.CreateClient();
        using var live = await anonymous.GetAsync("/health/live");
        Assert.Equal("healthy", (await Envelopes.SuccessAsync(live)).GetProperty("status").GetString());
        using var ready = await anonymous.GetAsync("/health/ready");
        var data = await Envelopes.SuccessAsync(ready);
        Assert.Equal("healthy", data.GetProperty("checks").GetProperty("postgres").GetString());
    }
}
