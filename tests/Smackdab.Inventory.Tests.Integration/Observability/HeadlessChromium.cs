using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Smackdab.Inventory.Tests.Integration.Observability;

/// <summary>
/// Debian's <c>chromium</c>, headless, driven over the Chrome DevTools Protocol (a WebSocket to one page target) with
/// nothing but the BCL: navigate, evaluate JavaScript in the page, read what it shows, click. Killed on dispose.
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonNode>> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly StringBuilder _output = new();
    private Task _receiving = Task.CompletedTask;
    private Timer? _watchdog;
    private int _nextId;

    private HeadlessChromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    /// <summary>Console messages and exceptions the page reported.</summary>
    public ConcurrentQueue<string> PageLog { get; } = new();

    public static string? FindExecutable() =>
        new[] { "chromium", "chromium-browser", "google-chrome" }
            .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, name)))
            .Append("/usr/bin/chromium")
            .FirstOrDefault(File.Exists);

    /// <summary>Starts chromium; it is killed after <paramref name="hardTimeout"/> (default 3 minutes) whatever the test does.</summary>
    public static async Task<HeadlessChromium> StartAsync(TimeSpan? hardTimeout = null)
    {
        var executable = FindExecutable()
            ?? throw new InvalidOperationException("chromium is not installed: scripts/test.sh installs the Debian 'chromium' package (apt-get install chromium).");
        var profile = Directory.CreateTempSubdirectory("smackdab-chromium-").FullName;
        var startInfo = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            "--headless=new", "--remote-debugging-port=0", "--user-data-dir=" + profile,
            // CI runs as root, where Chromium's sandbox cannot start.
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--disable-sync", "--no-proxy-server",
            "--window-size=1280,1600", "about:blank",
        })
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("chromium did not start");
        var browser = new HeadlessChromium(process, profile);
        browser._watchdog = new Timer(_ => browser.Kill(), null, hardTimeout ?? TimeSpan.FromMinutes(3), Timeout.InfiniteTimeSpan);
        process.OutputDataReceived += (_, e) => browser.Note(e.Data);
        process.ErrorDataReceived += (_, e) => browser.Note(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await browser.ConnectAsync();
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    private void Note(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private async Task ConnectAsync()
    {
        // Chromium writes the port it chose (and the browser target's path) to DevToolsActivePort in the profile.
        var portFile = Path.Combine(_profile, "DevToolsActivePort");
        var deadline = DateTime.UtcNow + StartTimeout;
        string? port = null;
        while (port is null)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"chromium exited with code {_process.ExitCode}:\n{Output}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"chromium did not open its DevTools port within {StartTimeout.TotalSeconds} s:\n{Output}");
            }

            if (File.Exists(portFile) && (await File.ReadAllLinesAsync(portFile)).FirstOrDefault() is { Length: > 0 } first)
            {
                port = first;
            }
            else
            {
                await Task.Delay(100);
            }
        }

        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        string? pageSocket = null;
        while (pageSocket is null)
        {
            var targets = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/json/list"))!.AsArray();
            pageSocket = targets.FirstOrDefault(t => t?["type"]?.GetValue<string>() == "page")?["webSocketDebuggerUrl"]?.GetValue<string>();
            if (pageSocket is null)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException("chromium has no page target");
                }

                await Task.Delay(100);
            }
        }

        await _socket.ConnectAsync(new Uri(pageSocket), _stop.Token);
        _receiving = ReceiveAsync();
        await SendAsync("Page.enable");
        await SendAsync("Runtime.enable");
    }

    public async Task<JsonNode> SendAsync(string method, JsonObject? parameters = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource<JsonNode>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, _stop.Token);
        var answer = await reply.Task.WaitAsync(CommandTimeout);
        if (answer["error"] is { } error)
        {
            throw new InvalidOperationException($"{method} failed: {error.ToJsonString()}");
        }

        return answer["result"] ?? new JsonObject();
    }

    public Task NavigateAsync(string url) => SendAsync("Page.navigate", new JsonObject { ["url"] = url });

    /// <summary>Evaluates <paramref name="expression"/> in the page (promises awaited) and returns its JSON value.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject
        {
            ["expression"] = expression,
            ["returnByValue"] = true,
            ["awaitPromise"] = true,
        });
        if (result["exceptionDetails"] is { } exception)
        {
            throw new InvalidOperationException($"The page threw evaluating {expression}: {exception.ToJsonString()}");
        }

        return result["result"]?["value"]?.DeepClone();
    }

    /// <summary>The trimmed text of the first element matching <paramref name="selector"/>, or null when there is none.</summary>
    public async Task<string?> TextAsync(string selector) =>
        (await EvaluateAsync($"(() => {{ const e = document.querySelector({Quote(selector)}); return e ? e.textContent.trim() : null; }})()"))?.GetValue<string>();

    /// <summary>Polls until the text of <paramref name="selector"/> satisfies <paramref name="condition"/>; returns it.</summary>
    public async Task<string> WaitForTextAsync(string selector, Func<string, bool> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        string? text;
        do
        {
            text = await TextAsync(selector);
            if (text is not null && condition(text))
            {
                return text;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);

        throw new Xunit.Sdk.XunitException($"'{selector}' did not show the expected text; last: '{text}'. Page log:\n{string.Join("\n", PageLog)}");
    }

    /// <summary>Types into an input as a person would (focus, value, input event).</summary>
    public Task TypeAsync(string selector, string text) =>
        EvaluateAsync($"(() => {{ const e = document.querySelector({Quote(selector)}); e.focus(); e.value = {Quote(text)}; e.dispatchEvent(new Event('input', {{ bubbles: true }})); return true; }})()");

    /// <summary>Clicks the element with a real mouse press and release at its centre.</summary>
    public async Task ClickAsync(string selector)
    {
        var box = await EvaluateAsync(
            $"(() => {{ const e = document.querySelector({Quote(selector)}); if (!e) return null; e.scrollIntoView({{ block: 'center' }}); const r = e.getBoundingClientRect(); return {{ x: r.left + r.width / 2, y: r.top + r.height / 2, disabled: !!e.disabled }}; }})()")
            ?? throw new Xunit.Sdk.XunitException($"Nothing to click at '{selector}'");
        Assert.False(box["disabled"]!.GetValue<bool>(), $"'{selector}' is disabled");
        foreach (var type in new[] { "mousePressed", "mouseReleased" })
        {
            await SendAsync("Input.dispatchMouseEvent", new JsonObject
            {
                ["type"] = type,
                ["x"] = box["x"]!.GetValue<double>(),
                ["y"] = box["y"]!.GetValue<double>(),
                ["button"] = "left",
                ["clickCount"] = 1,
            });
        }
    }

    private static string Quote(string value) => System.Text.Json.JsonSerializer.Serialize(value);

    private async Task ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var received = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, received.Count);
                if (!received.EndOfMessage)
                {
                    continue;
                }

                var node = JsonNode.Parse(message.ToArray())!;
                message.SetLength(0);
                if (node["id"] is { } id && _pending.TryRemove(id.GetValue<int>(), out var reply))
                {
                    reply.TrySetResult(node);
                }
                else if (node["method"]?.GetValue<string>() is "Runtime.consoleAPICalled" or "Runtime.exceptionThrown")
                {
                    PageLog.Enqueue(node["params"]!.ToJsonString());
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // Closing.
        }

        foreach (var pending in _pending.Values)
        {
            pending.TrySetException(new InvalidOperationException("The DevTools connection closed"));
        }
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_watchdog is not null)
        {
            await _watchdog.DisposeAsync();
        }

        await _stop.CancelAsync();
        Kill();
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                // It did not die in time; the test process's exit takes it.
            }
        }

        await _receiving.ContinueWith(_ => { }, TaskScheduler.Default);
        _socket.Dispose();
        _process.Dispose();
        _stop.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // A child still writing; the temp directory is cleaned up later.
        }
    }
}
