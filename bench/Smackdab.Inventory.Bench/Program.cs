using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

// Usage: Smackdab.Inventory.Bench <base-url> <api-key> <organization-id> [seconds-per-scenario] [concurrency] [report.md]
// Every scenario runs for the same time at the same concurrency; throughput is reported as a ratio to the
// baseline scenario (GET /health/live) measured in the same run, so figures compare across machines.
if (args.Length < 3)
{
    Console.Error.WriteLine("usage: <base-url> <api-key> <organization-id> [seconds] [concurrency] [report.md]");
    return 2;
}

var baseUrl = args[0].TrimEnd('/');
var seconds = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 10;
var concurrency = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 16;
var reportPath = args.Length > 5 ? args[5] : null;

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency * 2 }) { BaseAddress = new Uri(baseUrl) };

var run = Guid.NewGuid().ToString("N")[..6];
var location = await CreateAsync("/v1/locations", new { name = $"Bench {run}" });
var products = new List<string>();
for (var i = 0; i < 50; i++)
{
    products.Add(await CreateAsync("/v1/products", new { sku = $"BENCH-{run}-{i:D3}", name = $"Bench product {i}" }));
}

var hot = products[0];
await SendAsync(HttpMethod.Post, "/v1/inventory/transactions", Receipt(hot, 1_000_000), expect: 201);

var scenarios = new (string Name, Func<int, HttpRequestMessage> Request, int Expect)[]
{
    // The baseline carries no credential: it measures the pipeline alone.
    ("baseline: GET /health/live", _ => new HttpRequestMessage(HttpMethod.Get, "/health/live"), 200),
    ("GET /v1/products?pageSize=25", _ => Get("/v1/products?pageSize=25"), 200),
    ("GET /v1/products/{id}/inventory", n => Get($"/v1/products/{products[n % products.Count]}/inventory"), 200),
    ("POST receipt, 50 products (low contention)", n => Keyed(Receipt(products[n % products.Count], 1)), 201),
    ("POST shipment, one hot balance row", _ => Keyed(Shipment(hot, 1)), 201),
};

// Warm-up (JIT, connection pools, query plans): every scenario once, briefly, unmeasured.
var measuredSeconds = seconds;
seconds = 1;
foreach (var (name, request, expect) in scenarios)
{
    await MeasureAsync(name, request, expect);
}

seconds = measuredSeconds;
var results = new List<(string Name, double Rps, double P50, double P95, double P99, int Errors)>();
foreach (var (name, request, expect) in scenarios)
{
    results.Add(await MeasureAsync(name, request, expect));
    var last = results[^1];
    Console.WriteLine($"{name,-45} {last.Rps,9:F0} req/s  p50 {last.P50,6:F1} ms  p95 {last.P95,6:F1} ms  p99 {last.P99,6:F1} ms  errors {last.Errors}");
}

using var auditRequest = Get("/v1/inventory/audit");
using var audit = await http.SendAsync(auditRequest);
var consistent = JsonDocument.Parse(await audit.Content.ReadAsStringAsync()).RootElement.GetProperty("data").GetProperty("consistent").GetBoolean();
Console.WriteLine($"audit after the run: {(consistent ? "consistent" : "MISMATCHES")}");

var report = new StringBuilder();
report.AppendLine(CultureInfo.InvariantCulture, $"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {seconds} s per scenario, concurrency {concurrency}; audit after the run: {(consistent ? "consistent" : "mismatches")}.");
report.AppendLine();
report.AppendLine("| scenario | req/s | ratio to baseline | p50 ms | p95 ms | p99 ms | errors |");
report.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
foreach (var r in results)
{
    report.AppendLine(CultureInfo.InvariantCulture, $"| {r.Name} | {r.Rps:F0} | {r.Rps / results[0].Rps:F3} | {r.P50:F1} | {r.P95:F1} | {r.P99:F1} | {r.Errors} |");
}

Console.WriteLine();
Console.WriteLine(report);
if (reportPath is not null)
{
    await File.WriteAllTextAsync(reportPath, report.ToString());
}

return consistent && results.All(r => r.Errors == 0) ? 0 : 1;

async Task<(string, double, double, double, double, int)> MeasureAsync(string name, Func<int, HttpRequestMessage> make, int expect)
{
    var latencies = new List<double>[concurrency];
    var errors = 0;
    var counter = 0;
    var stopwatch = Stopwatch.StartNew();
    var deadline = TimeSpan.FromSeconds(seconds);
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
    {
        latencies[worker] = [];
        while (stopwatch.Elapsed < deadline)
        {
            var n = Interlocked.Increment(ref counter);
            using var request = make(n);
            var started = Stopwatch.GetTimestamp();
            using var response = await http.SendAsync(request);
            await response.Content.LoadIntoBufferAsync();
            latencies[worker].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if ((int)response.StatusCode != expect)
            {
                Interlocked.Increment(ref errors);
            }
        }
    }));
    var elapsed = stopwatch.Elapsed.TotalSeconds;
    var all = latencies.SelectMany(l => l).Order().ToArray();
    double Percentile(double p) => all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)(p * all.Length))];
    return (name, all.Length / elapsed, Percentile(0.50), Percentile(0.95), Percentile(0.99), errors);
}

HttpRequestMessage Get(string path) => Authenticated(new HttpRequestMessage(HttpMethod.Get, path));

HttpRequestMessage Authenticated(HttpRequestMessage request)
{
    request.Headers.Add("X-API-Key", args[1]);
    request.Headers.Add("X-Organization-ID", args[2]);
    return request;
}

async Task<string> CreateAsync(string path, object body)
{
    using var request = Authenticated(new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) });
    using var response = await http.SendAsync(request);
    response.EnsureSuccessStatusCode();
    return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("data").GetProperty("id").GetString()!;
}

async Task SendAsync(HttpMethod method, string path, object body, int expect)
{
    using var request = Keyed(body);
    request.Method = method;
    request.RequestUri = new Uri(path, UriKind.Relative);
    using var response = await http.SendAsync(request);
    if ((int)response.StatusCode != expect)
    {
        throw new InvalidOperationException($"{path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}

HttpRequestMessage Keyed(object body)
{
    var request = Authenticated(new HttpRequestMessage(HttpMethod.Post, "/v1/inventory/transactions") { Content = JsonContent.Create(body) });
    request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
    return request;
}

object Receipt(string product, decimal value) =>
    new { transaction_type = "receipt", product_id = product, location_id = location, quantity = new { value } };

object Shipment(string product, decimal value) =>
    new { transaction_type = "shipment", product_id = product, location_id = location, quantity = new { value } };
