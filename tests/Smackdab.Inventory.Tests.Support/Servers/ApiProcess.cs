using System.Diagnostics;
using System.Globalization;
using Smackdab.Inventory.Tests.Support.Contracts;

namespace Smackdab.Inventory.Tests.Support.Servers;

/// <summary>
/// The built API (src/Smackdab.Inventory.Api/bin/&lt;configuration&gt;/net10.0) run as a real child process with
/// <c>dotnet</c>, configured through environment variables, for tests of signals (SIGTERM, SIGKILL) and of several
/// instances on one database. Killed when the test process ends, however it ends.
/// </summary>
public sealed class ApiProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);

    // As for redis-server: sh forks a guard that kills the API (if that PID is still dotnet) when our stdin pipe closes,
    // i.e. when the test process dies, then execs dotnet, so the Process we hold is the API itself.
    private const string OrphanGuardScript =
        """
        exec 3<&0
        (read line <&3; [ "$(cat /proc/$$/comm 2>/dev/null)" = dotnet ] && kill -9 $$) >/dev/null 2>&1 &
        exec "$0" "$@" 3<&-
        """;

    private readonly Process _process;
    private readonly RecentLines _output = new(200);

    private ApiProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The last lines the API wrote (stdout and stderr).</summary>
    public string Output => _output.ToString();

    /// <summary>Starts the API on a free loopback port over <paramref name="connectionString"/> and waits until /health/ready answers 200.</summary>
    public static async Task<ApiProcess> StartAsync(string connectionString, string platformKey, IReadOnlyDictionary<string, string>? settings = null)
    {
        var dll = ApiAssemblyPath();
        var port = FreePort.Next();
        var baseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        var startInfo = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // appsettings.json is read from the content root, the working directory.
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        foreach (var argument in new[] { "-c", OrphanGuardScript, "dotnet", dll })
        {
            startInfo.ArgumentList.Add(argument);
        }

        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = baseAddress.ToString(),
            ["ASPNETCORE_ENVIRONMENT"] = "Testing",
            ["ConnectionStrings__Postgres"] = connectionString,
            ["Platform__ApiKey"] = platformKey,
            ["Seed__Demo"] = "false",
            ["Serilog__MinimumLevel__Default"] = "Warning",
            ["RateLimiting__Tiers__default__RequestsPerMinute"] = "1000000",
            ["RateLimiting__Tiers__default__BurstCapacity"] = "1000000",
            ["AuthFailureLimit__PermitLimit"] = "1000000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        foreach (var (key, value) in environment)
        {
            startInfo.Environment[key] = value;
        }

        var process = new Process { StartInfo = startInfo };
        var api = new ApiProcess(process, baseAddress);
        process.OutputDataReceived += (_, e) => api._output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => api._output.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => ProcessRunner.KillQuietly(process);

        using var probe = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The API exited with code {process.ExitCode} during startup:{Environment.NewLine}{api.Output}");
            }

            try
            {
                using var ready = await probe.GetAsync("/health/ready");
                if (ready.IsSuccessStatusCode)
                {
                    return api;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        ProcessRunner.KillQuietly(process);
        throw new InvalidOperationException($"The API did not become ready within {ReadyTimeout.TotalSeconds:0} s:{Environment.NewLine}{api.Output}");
    }

    /// <summary>A client for this instance, with no default headers.</summary>
    public HttpClient CreateClient(TimeSpan? timeout = null) =>
        new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { BaseAddress = BaseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(60) };

    /// <summary>SIGTERM, as an orchestrator sends before it stops a container.</summary>
    public Task TerminateAsync() => SignalAsync("TERM");

    /// <summary>SIGKILL: the process dies at once, mid-request, as in a crash or an OOM kill.</summary>
    public Task KillAsync() => SignalAsync("KILL");

    /// <summary>Waits for the process to end; false if it is still running after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            ProcessRunner.KillQuietly(_process);
            await WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
    }

    private async Task SignalAsync(string signal) =>
        await ProcessRunner.RunCheckedAsync("kill", [$"-{signal}", _process.Id.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));

    /// <summary>The API's own build output, in the configuration the tests were built in.</summary>
    private static string ApiAssemblyPath()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var path = Path.Combine(RepositoryRoot.Path, "src", "Smackdab.Inventory.Api", "bin", configuration, "net10.0", "Smackdab.Inventory.Api.dll");
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{path} does not exist; build the solution in {configuration} first (scripts/test.sh does).");
    }
}
