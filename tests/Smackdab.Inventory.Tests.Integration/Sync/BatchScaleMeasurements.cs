using System.Diagnostics;
using System.Text;
using Npgsql;
using Smackdab.Inventory.Tests.Integration.Ledger;
using Xunit.Abstractions;

namespace Smackdab.Inventory.Tests.Integration.Sync;

/// <summary>
/// Scale measurements, not part of the regular run (they take minutes): set SMACKDAB_BATCH_SCALE=1 (scripts/measure-batch.sh).
/// A 1,000,000-row export, a 100,000-row import and the decoding of a 150 MiB encrypted gzip export, sampling the process's working set and GC heap while the job runs, and
/// checking the results (row count, balances), so a measurement that went wrong fails.
/// </summary>
public sealed class BatchScaleMeasurements(ITestOutputHelper output)
{
    [ScaleFact]
    public async Task Export_of_a_million_ledger_rows_runs_in_bounded_memory()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync("SCALE-EXPORT");
        var location = await kit.LocationAsync();
        await using (var connection = new NpgsqlConnection(kit.Api.ConnectionString))
        {
            await connection.OpenAsync();
            await using var seed = new NpgsqlCommand("""
                INSERT INTO inventory_transactions (id, organization_id, product_id, location_id, transaction_type, quantity_change, input_quantity, input_uom,
                    previous_on_hand, new_on_hand, unit_cost_amount, unit_cost_currency, reference, status, created_at, updated_at)
                SELECT 'txn_scale' || lpad(g::text, 8, '0'), @org, @product, @location, 'receipt', 1, 1, 'EACH', g - 1, g, 2.5, 'USD', 'PO-' || g, 'completed',
                       now() - interval '1 hour' + g * interval '1 millisecond', now()
                FROM generate_series(1, 1000000) AS g
                """, connection) { CommandTimeout = 600 };
            seed.Parameters.AddWithValue("org", kit.Tenant.OrganizationId);
            seed.Parameters.AddWithValue("product", product);
            seed.Parameters.AddWithValue("location", location);
            await seed.ExecuteNonQueryAsync();
        }

        var (peakSet, peakHeap, baseSet, baseHeap, elapsed, done) = await MeasureAsync(async () =>
        {
            var started = await ExportKit.StartAsync(kit.Client, new { format = "csv", compression = "gzip" });
            return await WaitLongAsync(kit.Client, $"/v1/inventory/exports/{started.GetProperty("export_id").GetString()}", "status", "processing");
        });

        Assert.Equal(1_000_000, done.GetProperty("record_count").GetInt64());
        // Constant memory: a job that held the rows would grow the managed heap by far more than this (1,000,000 rows).
        Assert.True(peakHeap - baseHeap < 256L * 1024 * 1024, $"GC heap grew {(peakHeap - baseHeap) / 1048576} MiB during the export");
        output.WriteLine($"SCALE 1,000,000-row CSV+gzip export: {elapsed.TotalSeconds:0.0} s, file {done.GetProperty("file_size").GetInt64() / 1024 / 1024.0:0.0} MiB; "
            + $"working set {baseSet / 1048576} → peak {peakSet / 1048576} MiB, GC heap {baseHeap / 1048576} → peak {peakHeap / 1048576} MiB");
    }

    [ScaleFact]
    public async Task Import_of_a_hundred_thousand_rows_runs_in_bounded_memory()
    {
        var kit = await StockKit.NewTenantAsync();
        var products = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            products.Add(await kit.ProductAsync($"SCALE-IMPORT-{i}"));
        }

        var location = await kit.LocationAsync();
        var csv = new StringBuilder("transaction_id,transaction_type,product_id,location_id,quantity,unit_cost,currency,reference\n");
        for (var i = 0; i < 100_000; i++)
        {
            csv.Append($"ext_{i},receipt,{products[i % 20]},{location},1,2.50,USD,PO-{i / 100}\n");
        }

        var (peakSet, peakHeap, baseSet, baseHeap, elapsed, done) = await MeasureAsync(async () =>
        {
            var started = await ImportKit.UploadAsync(kit.Client, csv.ToString(), ("validation_mode", "strict"));
            return await WaitLongAsync(kit.Client, $"/v1/inventory/imports/{started.GetProperty("import_id").GetString()}", "status", "validating", "processing");
        });

        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal(100_000, ImportKit.Progress(done).Successful);
        Assert.Equal(5000m, (await kit.BalanceAsync(products[0], location)).OnHand);
        await kit.AssertAuditCleanAsync();
        Assert.True(peakHeap - baseHeap < 512L * 1024 * 1024, $"GC heap grew {(peakHeap - baseHeap) / 1048576} MiB during the import");
        output.WriteLine($"SCALE 100,000-row CSV import (strict, one transaction): {elapsed.TotalSeconds:0.0} s; "
            + $"working set {baseSet / 1048576} → peak {peakSet / 1048576} MiB, GC heap {baseHeap / 1048576} → peak {peakHeap / 1048576} MiB");
    }

    /// <summary>
    /// Runs the job and measures this process (the API runs in it, in-memory test server): the kernel's peak resident set
    /// (VmHWM, reset just before the job through /proc/self/clear_refs so it covers the job only), and samples every 50 ms of the
    /// resident set and the managed heap.
    /// </summary>
    [ScaleFact]
    public async Task Decoding_a_large_encrypted_gzip_export_runs_in_constant_memory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "smackdab-scale-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var source = Path.Combine(directory, "export.csv.gz.enc");
        var target = Path.Combine(directory, "decoded.csv");
        var key = Domain.Features.Sync.Exports.ExportCipher.NewKey();
        long plainBytes = 0;
        try
        {
            // 4,000,000 CSV rows (about 150 MiB), written like an export: gzip inside AES-256-GCM in 64 KiB chunks.
            await using (var file = File.Create(source))
            {
                var cipher = await Domain.Features.Sync.Exports.ExportCipher.EncryptToAsync(file, key, 64 * 1024, CancellationToken.None);
                await using (var gzip = new System.IO.Compression.GZipStream(cipher, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
                {
                    var random = new Random(20261202);
                    var text = new StringBuilder("transaction_id,transaction_type,sku,location_code,quantity\n");
                    for (var i = 0; i < 4_000_000; i++)
                    {
                        text.Append("txn_").Append(i).Append(",receipt,SKU-").Append(random.Next(100_000)).Append(",MAIN,").Append(random.Next(1, 500)).Append('\n');
                        if (text.Length > 1 << 20 || i == 3_999_999)
                        {
                            var bytes = Encoding.UTF8.GetBytes(text.ToString());
                            plainBytes += bytes.Length;
                            await gzip.WriteAsync(bytes);
                            text.Clear();
                        }
                    }
                }

                await cipher.FinishAsync(CancellationToken.None);
            }

            var (peakSet, peakHeap, baseSet, baseHeap, elapsed, _) = await MeasureAsync(async () =>
            {
                var decoded = await Domain.Features.Sync.Imports.ImportSourceDecoder.DecodeAsync(source, target, "application/octet-stream", key, 10L << 30, CancellationToken.None);
                Assert.Equal("aes256+gzip", decoded!.Encoding);
                Assert.Equal(plainBytes, decoded.Size);
                return default;
            });

            Assert.True(peakHeap - baseHeap < 64L * 1024 * 1024, $"GC heap grew {(peakHeap - baseHeap) / 1048576} MiB while decoding");
            var wrong = await Assert.ThrowsAsync<Domain.Features.Sync.Imports.ImportDecodeException>(() =>
                Domain.Features.Sync.Imports.ImportSourceDecoder.DecodeAsync(source, target, null, Domain.Features.Sync.Exports.ExportCipher.NewKey(), 10L << 30, CancellationToken.None));
            Assert.Equal("DECRYPTION_FAILED", wrong.ErrorType);
            output.WriteLine($"SCALE decode of a {new FileInfo(source).Length / 1048576.0:0.0} MiB aes256+gzip export to {plainBytes / 1048576.0:0.0} MiB of CSV: {elapsed.TotalSeconds:0.0} s; "
                + $"working set {baseSet / 1048576} → peak {peakSet / 1048576} MiB, GC heap {baseHeap / 1048576} → peak {peakHeap / 1048576} MiB");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<(long PeakSet, long PeakHeap, long BaseSet, long BaseHeap, TimeSpan Elapsed, JsonElement Result)> MeasureAsync(Func<Task<JsonElement>> job)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var baseSet = Environment.WorkingSet;
        var baseHeap = GC.GetTotalMemory(false);
        var hwmReset = ResetPeakResidentSet();
        long peakSet = baseSet;
        long peakHeap = baseHeap;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peakSet = Math.Max(peakSet, Environment.WorkingSet);
                peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
                await Task.Delay(50);
            }
        });
        var clock = Stopwatch.StartNew();
        var result = await job();
        clock.Stop();
        await stop.CancelAsync();
        await sampler;
        // The kernel's high-water mark catches peaks between samples; without the reset it would include earlier peaks.
        if (hwmReset && ReadStatusKilobytes("VmHWM") is { } hwm)
        {
            peakSet = Math.Max(peakSet, hwm * 1024);
        }

        return (peakSet, peakHeap, baseSet, baseHeap, clock.Elapsed, result);
    }

    private static bool ResetPeakResidentSet()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long? ReadStatusKilobytes(string field)
    {
        try
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(field + ":", StringComparison.Ordinal));
            return line is null ? null : long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static async Task<JsonElement> WaitLongAsync(HttpClient client, string url, string field, params string[] running)
    {
        var deadline = DateTime.UtcNow.AddMinutes(20);
        while (true)
        {
            using var response = await client.GetAsync(url);
            var data = await Envelopes.SuccessAsync(response);
            if (!running.Contains(data.GetProperty(field).GetString()))
            {
                return data;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{url} still running after 20 minutes: {data}");
            await Task.Delay(500);
        }
    }
}

/// <summary>A fact that runs only when SMACKDAB_BATCH_SCALE=1 (it is reported as skipped otherwise).</summary>
public sealed class ScaleFactAttribute : FactAttribute
{
    public ScaleFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("SMACKDAB_BATCH_SCALE") != "1")
        {
            Skip = "Scale measurement: run scripts/measure-batch.sh (SMACKDAB_BATCH_SCALE=1)";
        }
    }
}
