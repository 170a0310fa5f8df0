using System.Globalization;
using System.IO.Compression;
using CsvHelper;

namespace Smackdab.Inventory.Tests.Integration.Sync;

/// <summary>Starting, awaiting and downloading exports over HTTP.</summary>
public static class ExportKit
{
    /// <summary>Polls the job until it leaves "processing" (deadline 60 s) and returns its final data.</summary>
    public static async Task<JsonElement> WaitAsync(HttpClient client, string exportId, string expectedStatus = "completed")
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await client.GetAsync($"/v1/inventory/exports/{exportId}");
            var data = await Envelopes.SuccessAsync(response);
            var status = data.GetProperty("status").GetString();
            if (status != "processing")
            {
                Assert.True(expectedStatus == status, $"Export ended {status}: {data}");
                return data;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Export {exportId} still processing after 60 s: {data}");
            await Task.Delay(100);
        }
    }

    public static async Task<JsonElement> StartAsync(HttpClient client, object body)
    {
        using var response = await client.PostAsJsonAsync("/v1/inventory/exports", body);
        return await Envelopes.SuccessAsync(response, HttpStatusCode.Accepted);
    }

    public static async Task<byte[]> DownloadAsync(HttpClient client, JsonElement completed)
    {
        using var response = await client.GetAsync(completed.GetProperty("download_url").GetString());
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"download answered {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(bytes)}");
        Assert.Equal(completed.GetProperty("file_size").GetInt64(), bytes.LongLength);
        Assert.Equal(completed.GetProperty("checksum").GetString(), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
        return bytes;
    }

    public static byte[] Gunzip(byte[] bytes)
    {
        using var input = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    public static List<Dictionary<string, string>> ReadCsv(byte[] bytes)
    {
        using var reader = new StreamReader(new MemoryStream(bytes));
        using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
        var rows = new List<Dictionary<string, string>>();
        csv.Read();
        csv.ReadHeader();
        var header = csv.HeaderRecord!;
        while (csv.Read())
        {
            rows.Add(header.ToDictionary(h => h, h => csv.GetField(h) ?? ""));
        }

        return rows;
    }
}
