using System.Text;

namespace Smackdab.Inventory.Bench;

/// <summary>
/// Writes a copy of a captured pgbench script without the statements that contain a marker (e.g. the outbox's
/// <c>event_sequences</c> statement), so that the database's limit with and without those statements can be compared.
/// </summary>
public static class ScriptStrip
{
    public static int Run(string scriptPath, string outPath, string marker)
    {
        var kept = new StringBuilder();
        var statement = new StringBuilder();
        var removed = 0;
        foreach (var line in File.ReadAllLines(scriptPath))
        {
            if (statement.Length == 0 && line.StartsWith('\\'))
            {
                kept.AppendLine(line); // a pgbench meta-command is one line
                continue;
            }

            statement.AppendLine(line);
            if (!line.TrimEnd().EndsWith(';'))
            {
                continue;
            }

            if (statement.ToString().Contains(marker, StringComparison.Ordinal))
            {
                removed++;
            }
            else
            {
                kept.Append(statement);
            }

            statement.Clear();
        }

        kept.Append(statement);
        if (removed == 0)
        {
            Console.Error.WriteLine($"strip: no statement in {scriptPath} contains '{marker}'");
            return 1;
        }

        File.WriteAllText(outPath, kept.ToString());
        Console.WriteLine($"strip: {removed} statement(s) with '{marker}' left out of {outPath}");
        return 0;
    }
}
