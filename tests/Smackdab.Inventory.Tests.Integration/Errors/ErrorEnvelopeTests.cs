using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Smackdab.Inventory.Api.Security;

namespace Smackdab.Inventory.Tests.Integration.Errors;

/// <summary>A controller that exists only in this test host, to prove that an unhandled exception is a 500 envelope.</summary>
[Route("v1/test-only")]
public sealed class FailingController : Smackdab.Inventory.Api.Controllers.ApiControllerBase
{
    [HttpGet("boom")]
    [RequireScope(Smackdab.Inventory.Domain.Common.Scopes.ProductsRead)]
    public IActionResult Boom() => throw new InvalidOperationException("secret internal detail");
}

public sealed class ErrorHostFixture : IAsyncLifetime
{
    public CapturedLog Log { get; } = new();

    public ApiFactory Api { get; private set; } = null!;

    public Tenant Tenant { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Api = await ApiFactory.StartAsync(
            new Dictionary<string, string?>
            {
                ["Api:MaxRequestBodyBytes"] = "4096",
                ["Serilog:MinimumLevel:Default"] = "Information",
            },
            services =>
            {
                services.AddSingleton<Serilog.Core.ILogEventSink>(Log);
                services.AddControllers().AddApplicationPart(typeof(FailingController).Assembly);
            });
        Tenant = await Tenant.CreateAsync(Api);
    }

    public async Task DisposeAsync() => await Api.DisposeAsync();
}

public sealed class ErrorEnvelopeTests(ErrorHostFixture fixture) : IClassFixture<ErrorHostFixture>
{
    private HttpClient Client() => fixture.Tenant.Client(fixture.Api);

    [Fact]
    public async Task Malformed_json_is_a_400_envelope_and_writes_nothing()
    {
        using var client = Client();
        using var content = new StringContent("{\"sku\": \"M-1\", \"name\": ", System.Text.Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/v1/products", content);
        await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "MALFORMED_JSON");

        using var list = await client.GetAsync("/v1/products?q=M-1");
        Assert.Equal(0, (await Envelopes.ListAsync(list)).Items.GetArrayLength());
    }

    [Fact]
    public async Task Empty_body_is_a_validation_error()
    {
        using var client = Client();
        using var content = new StringContent("", System.Text.Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/v1/products", content);
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty("body", out _));
    }

    [Fact]
    public async Task Unknown_route_is_a_404_envelope()
    {
        using var client = Client();
        using var response = await client.GetAsync("/v1/does-not-exist");
        await Envelopes.ErrorAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Wrong_method_is_a_405_envelope()
    {
        using var client = Client();
        using var response = await client.PutAsJsonAsync("/v1/products", new { });
        await Envelopes.ErrorAsync(response, HttpStatusCode.MethodNotAllowed, "METHOD_NOT_ALLOWED");
    }

    [Fact]
    public async Task Wrong_content_type_is_a_415_envelope()
    {
        using var client = Client();
        using var content = new StringContent("sku=x", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded");
        using var response = await client.PostAsync("/v1/products", content);
        await Envelopes.ErrorAsync(response, HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE");
    }

    [Fact]
    public async Task Body_over_the_limit_is_a_413_envelope_and_writes_nothing()
    {
        using var client = Client();
        var body = JsonSerializer.Serialize(new { sku = "BIG-1", name = "Big", description = new string('x', 8000) });
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/v1/products", content);
        await Envelopes.ErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");

        using var list = await client.GetAsync("/v1/products?q=BIG-1");
        Assert.Equal(0, (await Envelopes.ListAsync(list)).Items.GetArrayLength());
    }

    [Fact]
    public async Task Chunked_body_over_the_limit_is_a_413_envelope()
    {
        using var client = Client();
        var bytes = JsonSerializer.SerializeToUtf8Bytes(new { sku = "BIG-2", name = "Big", description = new string('x', 8000) });
        using var content = new StreamContent(new MemoryStream(bytes));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/products") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await client.SendAsync(request);
        await Envelopes.ErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");
    }

    [Fact]
    public async Task Missing_organization_header_is_a_400_missing_header()
    {
        using var client = fixture.Api.CreateClient();
        client.DefaultRequestHeaders.Add("X-API-Key", fixture.Tenant.AdminKey);
        using var response = await client.GetAsync("/v1/products");
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "MISSING_HEADER");
        Assert.True(error.GetProperty("details").TryGetProperty("X-Organization-ID", out _));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("sk_live_notarealkey000000000000000000")]
    public async Task Missing_or_unknown_key_is_a_401_with_www_authenticate(string? key)
    {
        using var client = fixture.Api.CreateClient();
        client.DefaultRequestHeaders.Add("X-Organization-ID", fixture.Tenant.OrganizationId);
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-API-Key", key);
        }

        using var response = await client.GetAsync("/v1/products");
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty("reason", out _));
        Assert.NotEmpty(response.Headers.WwwAuthenticate);
    }

    [Fact]
    public async Task Unhandled_exception_is_a_500_envelope_without_internals_and_is_logged_with_the_request_id()
    {
        using var client = Client();
        client.DefaultRequestHeaders.Add("X-Request-ID", "trace-500-check");
        using var response = await client.GetAsync("/v1/test-only/boom");
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.InternalServerError, "INTERNAL_ERROR");

        var text = error.ToString();
        Assert.DoesNotContain("secret internal detail", text);
        Assert.DoesNotContain("at Smackdab", text);
        Assert.Equal("trace-500-check", error.GetProperty("request_id").GetString());

        var line = await fixture.Log.WaitForLineAsync("secret internal detail");
        Assert.NotNull(line);
        Assert.Contains("trace-500-check", line);
    }

    [Fact]
    public async Task Sane_request_id_is_echoed_and_an_unsafe_one_is_replaced()
    {
        using var client = Client();
        using var echoed = new HttpRequestMessage(HttpMethod.Get, "/v1/products");
        echoed.Headers.Add("X-Request-ID", "erp-batch-42");
        using var r1 = await client.SendAsync(echoed);
        Assert.Equal("erp-batch-42", r1.Headers.GetValues("X-Request-ID").Single());
        await Envelopes.ListAsync(r1);

        using var replaced = new HttpRequestMessage(HttpMethod.Get, "/v1/products");
        replaced.Headers.TryAddWithoutValidation("X-Request-ID", "<script>alert(1)</script>");
        using var r2 = await client.SendAsync(replaced);
        Assert.StartsWith("req_", r2.Headers.GetValues("X-Request-ID").Single());
        await Envelopes.ListAsync(r2);
    }

    [Fact]
    public async Task Request_log_line_names_request_organization_route_and_status_but_never_the_key()
    {
        using var client = Client();
        client.DefaultRequestHeaders.Add("X-Request-ID", "log-line-check");
        using var response = await client.GetAsync("/v1/products?pageSize=1");
        await Envelopes.ListAsync(response);

        var line = await fixture.Log.WaitForLineAsync("log-line-check", "responded");
        Assert.NotNull(line);
        Assert.Contains(fixture.Tenant.OrganizationId, line);
        Assert.Contains("v1/products", line);
        Assert.Contains("200", line);
        Assert.DoesNotContain(fixture.Tenant.AdminKey, fixture.Log.Text);
    }
}
