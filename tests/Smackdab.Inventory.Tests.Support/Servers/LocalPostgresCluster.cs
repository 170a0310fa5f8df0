using System.Globalization;

namespace Smackdab.Inventory.Tests.Support.Servers;

/// <summary>
/// A throwaway PostgreSQL cluster in a temp directory, created with initdb and run with pg_ctl.
/// It is stopped and its directory deleted when the test process exits.
/// </summary>
internal sealed class LocalPostgresCluster
{
    private const string OsUser = "postgres";
    private const int StartAttempts = 3;
    private static readonly TimeSpan InitDbTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan PgCtlTimeout = TimeSpan.FromSeconds(90);

    private readonly string _binDirectory;
    private readonly bool _runAsPostgresUser;
    private int _stopped;

    private readonly bool _durableCommits;

    private LocalPostgresCluster(string binDirectory, string rootDirectory, bool runAsPostgresUser, bool durableCommits)
    {
        _binDirectory = binDirectory;
        RootDirectory = rootDirectory;
        _runAsPostgresUser = runAsPostgresUser;
        _durableCommits = durableCommits;
    }

    public string RootDirectory { get; }

    public int Port { get; private set; }

    private string DataDirectory => Path.Combine(RootDirectory, "data");

    private string LogFile => Path.Combine(RootDirectory, "server.log");

    /// <param name="durableCommits">
    /// synchronous_commit=on, so that a commit acknowledged to the client survives a crash of the server process
    /// (fault tests kill it); the shared cluster trades that for speed. fsync stays off: the OS keeps the WAL.
    /// </param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<LocalPostgresCluster> StartAsync(bool durableCommits = false, CancellationToken cancellationToken = default)
    {
        var binDirectory = FindBinDirectory() ?? throw new InvalidOperationException(
            "PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or in /usr/lib/postgresql/*/bin. " +
            "Install PostgreSQL (e.g. `apt-get install -y postgresql`), or set SMACKDAB_TEST_POSTGRES to a connection string.");

        var runAsPostgresUser = await HostEnvironment.IsRootAsync(cancellationToken);

        // PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` OS user,
        // which must be able to traverse every parent directory: /tmp is, a root-only TMPDIR may not be.
        var parent = runAsPostgresUser ? "/tmp" : Path.GetTempPath();
        var rootDirectory = Path.Combine(parent, "smackdab-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(rootDirectory);

        var cluster = new LocalPostgresCluster(binDirectory, rootDirectory, runAsPostgresUser, durableCommits);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Stop();
        cluster.StartExitWatchdog();
        try
        {
            if (runAsPostgresUser)
            {
                await ProcessRunner.RunCheckedAsync("chown", ["-R", OsUser, rootDirectory], PgCtlTimeout, cancellationToken: cancellationToken);
            }

            await cluster.InitDbAsync(cancellationToken);
            await cluster.StartServerAsync(cancellationToken);
            return cluster;
        }
        catch (Exception ex)
        {
            var message =
                $"Could not start a local PostgreSQL cluster in {rootDirectory} using {binDirectory}: {ex.Message}" +
                $"{Environment.NewLine}--- server.log (tail) ---{Environment.NewLine}{cluster.ReadLogTail()}";
            cluster.Stop();
            throw new InvalidOperationException(message, ex);
        }
    }

    /// <summary>
    /// Stops the server but keeps its data: <paramref name="mode"/> "fast" (sessions are terminated, as in a restart)
    /// or "immediate" (like a crash; recovery runs on the next start).
    /// </summary>
    public async Task StopServerAsync(string mode = "fast", CancellationToken cancellationToken = default) =>
        await RunPostgresToolAsync("pg_ctl", ["-D", DataDirectory, "-m", mode, "-w", "-t", "60", "stop"], PgCtlTimeout, cancellationToken);

    /// <summary>Starts the server again on the same port, after <see cref="StopServerAsync"/>.</summary>
    public async Task StartServerAgainAsync(CancellationToken cancellationToken = default) =>
        await RunPostgresToolAsync("pg_ctl", ["-D", DataDirectory, "-w", "-t", "60", "-l", LogFile, "-o", ServerOptions(), "start"], PgCtlTimeout, cancellationToken);

    /// <summary>Stops the server and deletes its directory. Safe to call more than once.</summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        try
        {
            if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            {
                RunPostgresToolAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "-t", "30", "stop"], PgCtlTimeout, CancellationToken.None)
                    .GetAwaiter()
                    .GetResult();
            }
        }
        catch (Exception ex)
        {
            // Runs during process exit: report, but never throw.
            Console.Error.WriteLine($"[smackdab-tests] Stopping PostgreSQL in {DataDirectory} failed: {ex.Message}");
        }

        try
        {
            if (Directory.Exists(RootDirectory))
            {
                Directory.Delete(RootDirectory, recursive: true);
            }
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"[smackdab-tests] Deleting {RootDirectory} failed: {ex.Message}");
        }
    }

    // Backstop for Stop(): same cleanup, run by a separate process once this one is gone.
    private void StartExitWatchdog()
    {
        const string script =
            """
            if [ -f "$2/postmaster.pid" ]; then
              if [ -n "$4" ]; then runuser -u "$4" -- "$1" -D "$2" -m immediate -w -t 30 stop; else "$1" -D "$2" -m immediate -w -t 30 stop; fi
            fi
            rm -rf "$3"
            """;
        ExitWatchdog.Start(
            script,
            [Path.Combine(_binDirectory, "pg_ctl"), DataDirectory, RootDirectory, _runAsPostgresUser ? OsUser : string.Empty]);
    }

    private async Task InitDbAsync(CancellationToken cancellationToken)
    {
        await RunPostgresToolAsync(
            "initdb",
            ["-D", DataDirectory, "--auth=trust", $"--username={OsUser}", "-E", "UTF8", "--locale=C", "--no-sync"],
            InitDbTimeout,
            cancellationToken);
    }

    private async Task StartServerAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort.Next();
            try
            {
                await RunPostgresToolAsync(
                    "pg_ctl",
                    ["-D", DataDirectory, "-w", "-t", "60", "-l", LogFile, "-o", ServerOptions(), "start"],
                    PgCtlTimeout,
                    cancellationToken);
                return;
            }
            catch (InvalidOperationException) when (attempt < StartAttempts && ReadLogTail().Contains("could not bind", StringComparison.Ordinal))
            {
                // Another process grabbed the port between FreePort.Next() and the bind: try a new one.
            }
        }
    }

    private string ServerOptions() => string.Join(
        ' ',
        $"-p {Port.ToString(CultureInfo.InvariantCulture)}",
        $"-k {RootDirectory}",
        "-c listen_addresses=127.0.0.1",
        "-c fsync=off",
        _durableCommits ? "-c synchronous_commit=on" : "-c synchronous_commit=off",
        "-c full_page_writes=off",
        "-c max_connections=1200",
        "-c shared_buffers=128MB");

    private Task<ProcessResult> RunPostgresToolAsync(string tool, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var toolPath = Path.Combine(_binDirectory, tool);
        return _runAsPostgresUser
            ? ProcessRunner.RunCheckedAsync("runuser", ["-u", OsUser, "--", toolPath, .. arguments], timeout, RootDirectory, cancellationToken)
            : ProcessRunner.RunCheckedAsync(toolPath, arguments, timeout, RootDirectory, cancellationToken);
    }

    private string ReadLogTail()
    {
        try
        {
            return File.Exists(LogFile)
                ? string.Join(Environment.NewLine, File.ReadLines(LogFile).TakeLast(40))
                : "(no server.log)";
        }
        catch (IOException ex)
        {
            return $"(could not read server.log: {ex.Message})";
        }
    }

    private static string? FindBinDirectory()
    {
        var initDb = HostEnvironment.FindOnPath("initdb");
        if (initDb is not null && File.Exists(Path.Combine(Path.GetDirectoryName(initDb)!, "pg_ctl")))
        {
            return Path.GetDirectoryName(initDb);
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (!Directory.Exists(debianRoot))
        {
            return null;
        }

        return Directory.GetDirectories(debianRoot)
            .Select(versionDirectory => (
                Version: double.TryParse(Path.GetFileName(versionDirectory), NumberStyles.Float, CultureInfo.InvariantCulture, out var version) ? version : -1,
                Bin: Path.Combine(versionDirectory, "bin")))
            .Where(candidate => File.Exists(Path.Combine(candidate.Bin, "initdb")) && File.Exists(Path.Combine(candidate.Bin, "pg_ctl")))
            .OrderByDescending(candidate => candidate.Version)
            .Select(candidate => candidate.Bin)
            .FirstOrDefault();
    }
}
