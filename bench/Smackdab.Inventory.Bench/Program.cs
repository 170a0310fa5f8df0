using System.Globalization;
using Smackdab.Inventory.Bench;

// Helpers for scripts/bench.sh (wrk is the load generator, pgbench the database's own limit):
//   capture <postgres.log> <byte-offset> <application-name> <out.sql> <out.vars> <tag> [unique-value...]
//       turns the statements one request sent (logged with log_statement=all since the offset) into a pgbench script
//   strip <in.sql> <out.sql> <marker>
//       copies a captured script without the statements that contain the marker
//   profile <trace.speedscope.json> [marker] [top]
//       where the process spends its CPU in a dotnet-trace capture
//   report <results.tsv> <out.md> <header-line>
//       writes the results table
return args.FirstOrDefault() switch
{
    "capture" when args.Length >= 7 => StatementCapture.Run(
        args[1], long.Parse(args[2], CultureInfo.InvariantCulture), args[3], args[4], args[5], args[6], args[7..]),
    "strip" when args.Length == 4 => ScriptStrip.Run(args[1], args[2], args[3]),
    "profile" when args.Length >= 2 => ProfileSummary.Run(
        args[1], args.Length > 2 ? args[2] : "CPU_TIME", args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 25),
    "report" when args.Length == 4 => BenchReport.Run(args[1], args[2], args[3]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: capture <log> <offset> <app> <out.sql> <out.vars> <tag> [unique...] | strip <in.sql> <out.sql> <marker> | profile <speedscope.json> [marker] [top] | report <results.tsv> <out.md> <header>");
    return 2;
}
