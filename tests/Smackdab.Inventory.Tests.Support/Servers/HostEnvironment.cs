namespace Smackdab.Inventory.Tests.Support.Servers;

/// <summary>Small facts about the machine the tests run on.</summary>
internal static class HostEnvironment
{
    /// <summary>Full path of <paramref name="name"/> in the first PATH directory that contains it, or null.</summary>
    public static string? FindOnPath(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static async Task<bool> IsRootAsync(CancellationToken cancellationToken = default)
    {
        if (Environment.UserName == "root")
        {
            return true;
        }

        try
        {
            var result = await ProcessRunner.RunAsync("id", ["-u"], TimeSpan.FromSeconds(10), cancellationToken: cancellationToken);
            return result.ExitCode == 0 && result.StandardOutput.Trim() == "0";
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Cheap pre-check so machines without Docker do not pay for a Testcontainers attempt.</summary>
    public static bool DockerEngineMayBeAvailable() =>
        !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("DOCKER_HOST")) ||
        File.Exists("/var/run/docker.sock");
}
