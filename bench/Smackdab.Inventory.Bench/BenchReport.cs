using System.Globalization;
using System.Text;

namespace Smackdab.Inventory.Bench;

/// <summary>
/// Writes the results table from the tab-separated lines scripts/bench.sh collects:
/// scenario, connections, API req/s, p50, p95, p99 (ms), errors, requests, pgbench tps ("-" when not measured), pgbench note.
/// </summary>
public static class BenchReport
{
    public static int Run(string resultsPath, string reportPath, string header)
    {
        var report = new StringBuilder();
        report.AppendLine(header);
        report.AppendLine();
        report.AppendLine("| scenario | conns | API req/s | pgbench tps | API / pgbench | p50 ms | p95 ms | p99 ms | errors | requests |");
        report.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        var failed = false;
        foreach (var line in File.ReadAllLines(resultsPath).Where(l => l.Length > 0))
        {
            var f = line.Split('\t');
            var rps = double.Parse(f[2], CultureInfo.InvariantCulture);
            var errors = long.Parse(f[6], CultureInfo.InvariantCulture);
            failed |= errors > 0;
            var pg = f[8] == "-" ? (double?)null : double.Parse(f[8], CultureInfo.InvariantCulture);
            var ratio = pg is > 0 ? (rps / pg.Value).ToString("F2", CultureInfo.InvariantCulture) : "—";
            var pgText = pg is null ? (f.Length > 9 && f[9].Length > 0 ? f[9] : "—") : pg.Value.ToString("F0", CultureInfo.InvariantCulture);
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| {f[0]} | {f[1]} | {rps:F0} | {pgText} | {ratio} | {f[3]} | {f[4]} | {f[5]} | {errors} | {f[7]} |");
        }

        File.WriteAllText(reportPath, report.ToString());
        Console.WriteLine(report);
        return failed ? 1 : 0;
    }
}
