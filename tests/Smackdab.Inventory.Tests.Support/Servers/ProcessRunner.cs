using System.ComponentModel;
using System.Diagnostics;

namespace Smackdab.Inventory.Tests.Support.Servers;

/// <summary>Outcome of an external process that ran to completion.</summary>
internal sealed record ProcessResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError)
{
    public string Describe() =>
        $"`{CommandLine}` exited with code {ExitCode}.{Environment.NewLine}" +
        $"stdout:{Environment.NewLine}{StandardOutput.TrimEnd()}{Environment.NewLine}" +
        $"stderr:{Environment.NewLine}{StandardError.TrimEnd()}";
}

/// <summary>Runs short-lived external commands (initdb, pg_ctl, chown, id) with captured output and a timeout.</summary>
internal static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IReadOnlyList<string> arguments,
        TimeSpan timeout,
        string? workingDirectory = null,
        CancellationToken cancellationToken = default)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var commandLine = FormatCommandLine(fileName, arguments);
        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException($"Could not start `{commandLine}`: {ex.Message}", ex);
        }

        // The child must never wait for input from the test host's console.
        process.StandardInput.Close();

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        var standardOutput = process.StandardOutput.ReadToEndAsync(timeoutSource.Token);
        var standardError = process.StandardError.ReadToEndAsync(timeoutSource.Token);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token);
            return new ProcessResult(commandLine, process.ExitCode, await standardOutput, await standardError);
        }
        catch (OperationCanceledException)
        {
            KillQuietly(process);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new TimeoutException($"`{commandLine}` did not finish within {timeout.TotalSeconds:0} seconds and was killed.");
        }
    }

    /// <summary>Like <see cref="RunAsync"/> but throws, including the captured output, on a non-zero exit code.</summary>
    public static async Task<ProcessResult> RunCheckedAsync(
        string fileName,
        IReadOnlyList<string> arguments,
        TimeSpan timeout,
        string? workingDirectory = null,
        CancellationToken cancellationToken = default)
    {
        var result = await RunAsync(fileName, arguments, timeout, workingDirectory, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(result.Describe());
        }

        return result;
    }

    public static void KillQuietly(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already exited or never started.
        }
        catch (Win32Exception)
        {
            // Exited between the check and the kill.
        }
    }

    private static string FormatCommandLine(string fileName, IEnumerable<string> arguments) =>
        string.Join(' ', new[] { fileName }.Concat(arguments).Select(Quote));

    private static string Quote(string value) =>
        value.Length == 0 || value.Any(char.IsWhiteSpace) || value.Contains('"') ? $"\"{value.Replace("\"", "\\\"")}\"" : value;
}
