using System.Globalization;
using System.Text.Json;

namespace Smackdab.Inventory.Bench;

/// <summary>
/// Summarises a dotnet-trace speedscope file: where the process spends its CPU. dotnet-trace ends every sampled stack
/// in a pseudo-frame, <c>CPU_TIME</c> (running managed code) or <c>UNMANAGED_CODE_TIME</c> (blocked or in native code);
/// only samples ending in <c>marker</c> (CPU_TIME by default) count. Prints the share of that time per frame,
/// exclusive (the frame that was running) and inclusive (the frame or anything it called).
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
                    if (names[^1] == marker && names.Count > 1)
                    {
                        var dt = at - from;
                        total += dt;
                        Add(exclusive, names[^2], dt);
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
            Console.Error.WriteLine($"profile: no sample ends in {marker}");
            return 1;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"thread time sampled: {total:F0} ms (stacks ending in {marker})"));
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
