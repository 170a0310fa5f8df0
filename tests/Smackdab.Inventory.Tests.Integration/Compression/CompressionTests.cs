using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using Smackdab.Inventory.Tests.Integration.TestHost;

namespace Smackdab.Inventory.Tests.Integration.Compression;

public sealed class CompressionTests(TestOnlyTenantFixture fixture) : IClassFixture<TestOnlyTenantFixture>
{
    private async Task EnsureLargeCatalogAsync()
    {
        using var list = await fixture.Client.GetAsync("/v1/products?q=ZIP-");
        if ((await Envelopes.ListAsync(list)).Items.GetArrayLength() > 0)
        {
            return;
        }

        for (var i = 0; i < 8; i++)
        {
            using var created = await fixture.Client.PostAsJsonAsync("/v1/products", new { sku = $"ZIP-{i}", name = "Compressible widget", description = new string('d', 300) });
            await Envelopes.SuccessAsync(created, HttpStatusCode.Created);
        }
    }

    private async Task<HttpResponseMessage> GetAsync(string path, string? acceptEncoding)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (acceptEncoding is not null)
        {
            request.Headers.AcceptEncoding.ParseAdd(acceptEncoding);
        }

        return await fixture.Client.SendAsync(request);
    }

    private static async Task<JsonElement> ReadDecodedAsync(HttpResponseMessage response, Func<Stream, Stream> decoder)
    {
        var compressed = await response.Content.ReadAsByteArrayAsync();
        await using var decoded = decoder(new MemoryStream(compressed));
        using var plain = new MemoryStream();
        await decoded.CopyToAsync(plain);
        Assert.True(plain.Length > 1024 && compressed.Length < plain.Length, $"{compressed.Length} compressed bytes for {plain.Length}");
        var body = JsonDocument.Parse(plain.ToArray()).RootElement.Clone();
        Assert.Empty(Smackdab.Inventory.Tests.Support.Contracts.EnvelopeSchema.Validate(body));
        return body;
    }

    [Theory]
    [InlineData("gzip", "gzip")]
    [InlineData("br", "br")]
    [InlineData("gzip, deflate, br", "br")]
    public async Task Large_responses_are_compressed_with_the_encoding_the_client_accepts(string acceptEncoding, string expected)
    {
        await EnsureLargeCatalogAsync();
        using var response = await GetAsync("/v1/products?q=ZIP-", acceptEncoding);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, response.Content.Headers.ContentEncoding.Single());
        Assert.Contains("Accept-Encoding", response.Headers.Vary);
        var body = await ReadDecodedAsync(response, expected == "br"
            ? s => new BrotliStream(s, CompressionMode.Decompress)
            : s => new GZipStream(s, CompressionMode.Decompress));
        Assert.Equal(8, body.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Small_responses_and_clients_that_do_not_ask_are_not_compressed()
    {
        await EnsureLargeCatalogAsync();
        using var small = await GetAsync("/v1/products?q=ZIP-1&fields=id,sku", "gzip, br");
        Assert.Empty(small.Content.Headers.ContentEncoding);
        Assert.True(small.Content.Headers.ContentLength is > 0 and <= 1024);
        await Envelopes.ListAsync(small);

        using var plain = await GetAsync("/v1/products?q=ZIP-", null);
        Assert.Empty(plain.Content.Headers.ContentEncoding);
        Assert.True((await plain.Content.ReadAsByteArrayAsync()).Length > 1024);
        await Envelopes.ListAsync(plain);
    }

    [Fact]
    public async Task Large_error_envelopes_are_compressed_too()
    {
        var fields = string.Join(',', Enumerable.Range(0, 120).Select(i => $"no_such_field_{i}"));
        using var response = await GetAsync($"/v1/products?fields={fields}", "gzip");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("gzip", response.Content.Headers.ContentEncoding.Single());
        var body = await ReadDecodedAsync(response, s => new GZipStream(s, CompressionMode.Decompress));
        Assert.Equal("VALIDATION_FAILED", body.GetProperty("error").GetProperty("code").GetString());
    }

    private static ByteArrayContent Gzip(string json)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(json));
        }

        var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        return content;
    }

    [Fact]
    public async Task Gzip_request_bodies_are_accepted_on_batch_endpoints()
    {
        var json = JsonSerializer.Serialize(new { transactions = Enumerable.Range(0, 200).Select(i => new { product_id = $"prod_{i}", quantity = i }) });
        using var response = await fixture.Client.PostAsync("/v1/test-only/batch", Gzip(json));
        var data = await Envelopes.SuccessAsync(response);
        Assert.Equal(Encoding.UTF8.GetByteCount(json), data.GetProperty("received_bytes").GetInt32());
    }

    [Fact]
    public async Task Gzip_request_bodies_elsewhere_are_415()
    {
        using var response = await fixture.Client.PostAsync("/v1/products", Gzip("{\"sku\":\"GZ-1\",\"name\":\"x\"}"));
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE");
        Assert.True(error.GetProperty("details").TryGetProperty("Content-Encoding", out _));
    }

    [Fact]
    public async Task A_gzip_bomb_is_refused_with_413_once_the_decompressed_body_passes_the_limit()
    {
        // 20 MiB of JSON that gzips to about 20 KiB; the limit (Api:MaxRequestBodyBytes) is 1 MiB.
        var bomb = Gzip("{\"x\":\"" + new string('a', 20 * 1024 * 1024) + "\"}");
        Assert.True(bomb.Headers.ContentLength < 64 * 1024);
        using var response = await fixture.Client.PostAsync("/v1/test-only/batch", bomb);
        await Envelopes.ErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");

        // Also when the idempotency layer is the first to read the body.
        var keyed = Gzip("{\"x\":\"" + new string('a', 20 * 1024 * 1024) + "\"}");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/test-only/batch") { Content = keyed };
        request.Headers.Add("Idempotency-Key", "bomb-1");
        using var keyedResponse = await fixture.Client.SendAsync(request);
        await Envelopes.ErrorAsync(keyedResponse, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");
    }

    [Fact]
    public async Task A_body_that_is_not_valid_gzip_is_a_400()
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes("this is not gzip at all"));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        using var response = await fixture.Client.PostAsync("/v1/test-only/batch", content);
        await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "BAD_REQUEST");
    }
}
