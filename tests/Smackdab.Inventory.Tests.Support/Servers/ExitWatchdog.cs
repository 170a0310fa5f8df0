using System.Diagnostics;

namespace Smackdab.Inventory.Tests.Support.Servers;

/// <summary>
/// Runs a cleanup shell script after this process has ended, however it ended.
/// ProcessExit alone is not enough: vstest kills the test host about 100 ms after the run
/// (VSTEST_TESTHOST_SHUTDOWN_TIMEOUT), and a crash or SIGKILL skips ProcessExit entirely.
/// The watchdog is a <c>sh</c> blocked reading a pipe whose only writer is this process; the kernel
/// closes that pipe when this process dies, so the read returns and the cleanup runs.
/// </summary>
internal static class ExitWatchdog
{
    // The write end of each watchdog's stdin must stay open until this process exits, so the
    // Process objects (which own it) must never be collected and finalized.
    private static readonly List<Process> Watchdogs = [];
    private static readonly Lock WatchdogsLock = new();

    /// <param name="cleanupScript">POSIX sh script; <paramref name="scriptArguments"/> are $1, $2, ...</param>
    /// <param name="scriptArguments">Values for the script's positional parameters.</param>
    public static void Start(string cleanupScript, IReadOnlyList<string> scriptArguments)
    {
        var startInfo = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.ArgumentList.Add("-c");

        // Ignore Ctrl+C/hang-up (sent to the whole process group) so the cleanup still runs after them;
        // drop our stdout/stderr pipes at once so nothing is left holding the test host's streams.
        startInfo.ArgumentList.Add($"trap '' INT HUP; exec >/dev/null 2>&1; read line; {cleanupScript}");
        startInfo.ArgumentList.Add("smackdab-exit-watchdog");
        foreach (var argument in scriptArguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException("Could not start the /bin/sh exit watchdog.");
        lock (WatchdogsLock)
        {
            Watchdogs.Add(process);
        }
    }
}
