using System.Globalization;
using System.Text.Json;

namespace Smackdab.Inventory.Bench;

/// <summary>
/// Summarises a dotnet-trace speedscope file: where the request threads spend their time. Only stack samples that
/// contain <c>marker</c> (Kestrel's request loop by default) count, so idle thread-pool threads waiting for work do not.
/// Prints the share of that time per frame, inclusive (the frame or anything it calls) and exclusive (the frame itself).
/// </summary>
public static class ProfileSummary
{
    public static int Run(string speedscopePath, string marker, int top)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(speedscopePath));
        var frames = document.RootElement.GetProperty("shared").GetProperty("frames").EnumerateArray()
            .Select(f => f.GetProperty("name").GetString() ?? "?").ToArray();
        var inclusive = new Dictionary<string, double>();
        var exclusive = new Dictionary<string, double>();
        double total = 0;
        foreach (var profile in document.RootElement.GetProperty("profiles").EnumerateArray())
        {
            if (!profile.TryGetProperty("events", out var events))
            {
                continue;
            }

            var stack = new List<int>();
            double? last = null;
            foreach (var e in events.EnumerateArray())
            {
                var at = e.GetProperty("at").GetDouble();
                if (last is { } from && stack.Count > 0)
                {
                    var names = stack.Select(i => frames[i]).ToList();
                    if (names.Any(n => n.Contains(marker, StringComparison.Ordinal)))
                    {
                        var dt = at - from;
                        total += dt;
                        Add(exclusive, names[^1], dt);
                        foreach (var name in names.Distinct())
                        {
                            Add(inclusive, name, dt);
                        }
                    }
                }

                last = at;
                if (e.GetProperty("type").GetString() == "O")
                {
                    stack.Add(e.GetProperty("frame").GetInt32());
                }
                else if (stack.Count > 0)
                {
                    stack.RemoveAt(stack.Count - 1);
                }
            }
        }

        if (total <= 0)
        {
            Console.Error.WriteLine($"profile: no sample contains '{marker}'");
            return 1;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"request-thread time sampled: {total:F0} ms (stacks containing '{marker}')"));
        Print("exclusive (the frame itself)", exclusive, total, top);
        Print("inclusive (the frame and what it calls)", inclusive, total, top * 3);
        return 0;
    }

    private static void Add(Dictionary<string, double> shares, string name, double dt) =>
        shares[name] = shares.GetValueOrDefault(name) + dt;

    private static void Print(string title, Dictionary<string, double> shares, double total, int top)
    {
        Console.WriteLine($"-- {title}, top {top}");
        foreach (var (name, time) in shares.OrderByDescending(p => p.Value).Take(top))
        {
            var shown = name.Length > 150 ? name[..150] : name;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{time / total * 100,6:F1} %  {shown}"));
        }
    }
}
