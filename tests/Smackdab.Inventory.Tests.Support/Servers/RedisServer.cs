using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Smackdab.Inventory.Tests.Support.Servers;

/// <summary>
/// A real Redis server for tests: the one from SMACKDAB_TEST_REDIS, or a local <c>redis-server</c> child process
/// on a free port. Local servers can be killed and restarted on the same port to test fail-open behaviour.
/// </summary>
public sealed class RedisServer
{
    public const string EnvironmentVariable = "SMACKDAB_TEST_REDIS";
    private const string FallbackExecutable = "/usr/bin/redis-server";
    private const int StartAttempts = 3;
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(2);

    // sh execs redis-server, so the Process we hold IS redis (same PID, same output pipes). Before that it
    // forks a guard that blocks reading our stdin pipe: when this process dies in any way (also killed by
    // vstest before ProcessExit handlers finish) the pipe closes and the guard kills the orphaned redis.
    // The comm check keeps it from killing a recycled PID. Background jobs get /dev/null as stdin, hence fd 3.
    private const string OrphanGuardScript =
        """
        exec 3<&0
        (read line <&3; [ "$(cat /proc/$$/comm 2>/dev/null)" = redis-server ] && kill -9 $$) >/dev/null 2>&1 &
        exec "$0" "$@" 3<&-
        """;

    private static readonly Lazy<Task<RedisServer>> Shared = new(() => Task.Run(() => StartLocalOrUseEnvironmentAsync()));

    private readonly string? _executable;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly RecentLines _output = new(50);
    private Process? _process;

    private RedisServer(string source, string host, int port, string configuration, string? executable)
    {
        Source = source;
        Host = host;
        Port = port;
        Configuration = configuration;
        _executable = executable;
    }

    /// <summary>"env" or "local".</summary>
    public string Source { get; }

    /// <summary>StackExchange.Redis configuration string, e.g. "127.0.0.1:6380".</summary>
    public string Configuration { get; }

    public string Host { get; }

    public int Port { get; }

    /// <summary>False for an external server from SMACKDAB_TEST_REDIS, which tests must not stop.</summary>
    public bool CanStop => _executable is not null;

    /// <summary>The process-wide shared server. Do not stop it from tests that run in parallel with others.</summary>
    public static Task<RedisServer> GetAsync() => Shared.Value;

    /// <summary>
    /// A new local server owned by the caller, for tests that stop/restart Redis without disturbing
    /// tests that use the shared one. It is killed at process exit at the latest.
    /// </summary>
    public static Task<RedisServer> StartDedicatedAsync() => StartLocalAsync();

    /// <summary>Kills the server abruptly (SIGKILL), like a crash. No-op if it is already down.</summary>
    public async Task StopAsync()
    {
        EnsureCanStop();
        await _gate.WaitAsync();
        try
        {
            if (_process is null)
            {
                return;
            }

            ProcessRunner.KillQuietly(_process);
            await _process.WaitForExitAsync();
            _process.Dispose();
            _process = null;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Starts the server again on the same port and waits until it answers PING. No-op if it is running.</summary>
    public async Task StartAgainAsync()
    {
        EnsureCanStop();
        await _gate.WaitAsync();
        try
        {
            if (_process is { HasExited: false })
            {
                return;
            }

            _process?.Dispose();
            _process = null;
            await StartProcessAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>True if the server answers PING with +PONG right now.</summary>
    public async Task<bool> PingAsync(CancellationToken ct = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(PingTimeout);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(Host, Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("*1\r\n$4\r\nPING\r\n"u8.ToArray(), timeout.Token);

            var reply = new StringBuilder();
            var buffer = new byte[64];
            while (!reply.ToString().Contains("\r\n", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    break;
                }

                reply.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            return reply.ToString().StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return false;
        }
    }

    /// <summary>The process_id the server on <see cref="Port"/> reports in INFO server, or null if it does not say.</summary>
    private async Task<int?> ServerProcessIdAsync()
    {
        using var timeout = new CancellationTokenSource(PingTimeout);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(Host, Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n"u8.ToArray(), timeout.Token);
            var reply = new StringBuilder();
            var buffer = new byte[4096];
            while (true)
            {
                var text = reply.ToString();
                var at = text.IndexOf("process_id:", StringComparison.Ordinal);
                var end = at < 0 ? -1 : text.IndexOf("\r\n", at, StringComparison.Ordinal);
                if (end > 0)
                {
                    return int.TryParse(text.AsSpan(at + "process_id:".Length, end - at - "process_id:".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
                }

                var read = await stream.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    return null;
                }

                reply.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return null;
        }
    }

    private static async Task<RedisServer> StartLocalOrUseEnvironmentAsync()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return await StartLocalAsync();
        }

        var (host, port) = ParseFirstEndpoint(fromEnvironment);
        return new RedisServer("env", host, port, fromEnvironment, executable: null);
    }

    private static async Task<RedisServer> StartLocalAsync()
    {
        var executable = HostEnvironment.FindOnPath("redis-server")
            ?? (File.Exists(FallbackExecutable) ? FallbackExecutable : null)
            ?? throw new InvalidOperationException(
                "redis-server was not found on PATH or at /usr/bin/redis-server. Install the `redis-server` package " +
                "(`apt-get install -y redis-server`; scripts/test.sh installs it) or set SMACKDAB_TEST_REDIS to host:port.");

        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Next();
            var server = new RedisServer("local", "127.0.0.1", port, $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", executable);
            try
            {
                await server.StartProcessAsync();
                AppDomain.CurrentDomain.ProcessExit += (_, _) => server.KillAtExit();
                return server;
            }
            catch (InvalidOperationException) when (attempt < StartAttempts)
            {
                // Most likely another process took the port after FreePort.Next(); try a new one.
            }
        }
    }

    private async Task StartProcessAsync()
    {
        var startInfo = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        string[] arguments =
        [
            "-c", OrphanGuardScript, _executable!,
            "--port", Port.ToString(CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--save", string.Empty,
            "--appendonly", "no",
            "--daemonize", "no",
        ];
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => _output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => _output.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync();
                var exitCode = process.ExitCode;
                process.Dispose();
                _process = null;
                throw new InvalidOperationException(
                    $"redis-server on port {Port} exited with code {exitCode} during startup. Output:{Environment.NewLine}{_output}");
            }

            if (await PingAsync())
            {
                if (await ServerProcessIdAsync() is { } pid && pid != process.Id)
                {
                    // Another redis-server holds the port (another test run on this machine): ours will fail to bind.
                    ProcessRunner.KillQuietly(process);
                    process.Dispose();
                    _process = null;
                    throw new InvalidOperationException($"Port {Port} is served by another redis-server (pid {pid}).");
                }

                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }

        ProcessRunner.KillQuietly(process);
        process.Dispose();
        _process = null;
        throw new InvalidOperationException(
            $"redis-server on port {Port} did not answer PING within {ReadyTimeout.TotalSeconds:0} seconds. Output:{Environment.NewLine}{_output}");
    }

    private void KillAtExit()
    {
        var process = _process;
        if (process is not null)
        {
            ProcessRunner.KillQuietly(process);
        }
    }

    private void EnsureCanStop()
    {
        if (!CanStop)
        {
            throw new InvalidOperationException(
                $"The Redis server from {EnvironmentVariable} is external; tests cannot stop or restart it. Use {nameof(StartDedicatedAsync)}().");
        }
    }

    // "host:port,password=...,ssl=false" -> (host, port); the port defaults to 6379.
    private static (string Host, int Port) ParseFirstEndpoint(string configuration)
    {
        var endpoint = configuration
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault(part => !part.Contains('=', StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"{EnvironmentVariable}='{configuration}' contains no host:port endpoint.");

        var colon = endpoint.LastIndexOf(':');
        return colon > 0 && int.TryParse(endpoint[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            ? (endpoint[..colon], port)
            : (endpoint, 6379);
    }
}
