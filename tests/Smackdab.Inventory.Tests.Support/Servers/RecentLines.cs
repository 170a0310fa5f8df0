namespace Smackdab.Inventory.Tests.Support.Servers;

/// <summary>Thread-safe buffer of the last few output lines of a long-running child process.</summary>
internal sealed class RecentLines(int capacity)
{
    private readonly Queue<string> _lines = new();
    private readonly Lock _lock = new();

    public void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lock)
        {
            _lines.Enqueue(line);
            while (_lines.Count > capacity)
            {
                _lines.Dequeue();
            }
        }
    }

    public override string ToString()
    {
        lock (_lock)
        {
            return _lines.Count == 0 ? "(no output)" : string.Join(Environment.NewLine, _lines);
        }
    }
}
