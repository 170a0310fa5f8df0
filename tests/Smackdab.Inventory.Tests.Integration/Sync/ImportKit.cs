using System.Net.Http.Headers;
using System.Text;

namespace Smackdab.Inventory.Tests.Integration.Sync;

/// <summary>Uploading files to POST /v1/inventory/import and awaiting the job.</summary>
public static class ImportKit
{
    public static MultipartFormDataContent Form(string content, string fileName = "data.csv", params (string Name, string? Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(content));
        file.Headers.ContentType = new MediaTypeHeaderValue(fileName.EndsWith(".json", StringComparison.Ordinal) ? "application/json" : "text/csv");
        form.Add(file, "file", fileName);
        foreach (var (name, value) in fields)
        {
            if (value is not null)
            {
                form.Add(new StringContent(value), name);
            }
        }

        return form;
    }

    public static async Task<JsonElement> UploadAsync(HttpClient client, string content, params (string Name, string? Value)[] fields)
    {
        using var form = Form(content, fields.Any(f => f is { Name: "format", Value: "json" }) ? "data.json" : "data.csv", fields);
        using var response = await client.PostAsync("/v1/inventory/import", form);
        return await Envelopes.SuccessAsync(response, HttpStatusCode.Accepted);
    }

    /// <summary>Polls until the import leaves validating/processing (deadline 120 s).</summary>
    public static async Task<JsonElement> WaitAsync(HttpClient client, string importId, string expectedStatus = "completed")
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            using var response = await client.GetAsync($"/v1/inventory/imports/{importId}");
            var data = await Envelopes.SuccessAsync(response);
            var status = data.GetProperty("status").GetString();
            if (status is not ("validating" or "processing"))
            {
                Assert.True(expectedStatus == status, $"Import ended {status}: {data}");
                return data;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Import {importId} still {status} after 120 s: {data}");
            await Task.Delay(100);
        }
    }

    public static (long Total, long Processed, long Successful, long Failed) Progress(JsonElement job)
    {
        var p = job.GetProperty("progress");
        return (p.GetProperty("total_records").GetInt64(), p.GetProperty("processed_records").GetInt64(),
            p.GetProperty("successful_records").GetInt64(), p.GetProperty("failed_records").GetInt64());
    }
}
