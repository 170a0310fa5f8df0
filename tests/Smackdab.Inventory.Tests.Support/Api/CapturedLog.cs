using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace Smackdab.Inventory.Tests.Support.Api;

/// <summary>A Serilog sink that keeps every rendered log event (message, properties and exception) in memory.</summary>
public sealed class CapturedLog : ILogEventSink
{
    private readonly ConcurrentQueue<string> _lines = new();

    public void Emit(LogEvent logEvent)
    {
        var properties = string.Join(", ", logEvent.Properties.Select(p => $"{p.Key}={p.Value}"));
        _lines.Enqueue($"{logEvent.Level} {logEvent.RenderMessage()} {{{properties}}} {logEvent.Exception}");
    }

    public IReadOnlyList<string> Lines => _lines.ToList();

    public string Text => string.Join('\n', _lines);

    /// <summary>Waits (up to 10 s) for a line containing every fragment: the request log line is written as the response completes.</summary>
    public async Task<string?> WaitForLineAsync(params string[] fragments)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var line = _lines.FirstOrDefault(l => fragments.All(f => l.Contains(f, StringComparison.Ordinal)));
            if (line is not null)
            {
                return line;
            }

            await Task.Delay(20);
        }

        return null;
    }
}
