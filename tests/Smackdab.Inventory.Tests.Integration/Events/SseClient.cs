namespace Smackdab.Inventory.Tests.Integration.Events;

/// <summary>One event of a text/event-stream, as a browser's EventSource would parse it.</summary>
public sealed record SseEvent(string? Id, string? Event, string Data)
{
    public JsonElement Json => JsonDocument.Parse(Data).RootElement.Clone();

    public long Sequence => long.Parse(Id!, System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A minimal SSE reader over a streamed HttpResponseMessage (fields per the WHATWG parsing rules we use).</summary>
public sealed class SseClient : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private SseClient(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _reader = new StreamReader(body);
    }

    /// <summary>Comment lines seen so far (heartbeats), without the leading colon.</summary>
    public List<string> Comments { get; } = [];

    public static async Task<SseClient> ConnectAsync(HttpClient client, string path, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var body = await response.Content.ReadAsStringAsync();
            response.Dispose();
            throw new InvalidOperationException($"stream answered {(int)response.StatusCode}: {body}");
        }

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new SseClient(response, await response.Content.ReadAsStreamAsync());
    }

    /// <summary>The next event, or null when the stream ended. Throws <see cref="TimeoutException"/> on timeout.</summary>
    public async Task<SseEvent?> NextAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            return await ReadEventAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"no event within {timeout}");
        }
    }

    /// <summary>
    /// Reads until a comment line starting with <paramref name="prefix"/> arrives (events read meanwhile are dropped);
    /// throws <see cref="TimeoutException"/> when none comes before the deadline.
    /// </summary>
    public async Task WaitForCommentAsync(string prefix, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var line = await _reader.ReadLineAsync(deadline.Token) ?? throw new InvalidOperationException("stream ended");
                if (line.StartsWith(':'))
                {
                    Comments.Add(line[1..].Trim());
                    if (line[1..].TrimStart().StartsWith(prefix, StringComparison.Ordinal))
                    {
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"no '{prefix}' comment within {timeout}");
        }
    }

    private async Task<SseEvent?> ReadEventAsync(CancellationToken cancellationToken)
    {
        string? id = null;
        string? name = null;
        var data = new List<string>();
        while (true)
        {
            var line = await _reader.ReadLineAsync(cancellationToken);
            if (line is null)
            {
                return null;
            }

            if (line.Length == 0)
            {
                if (data.Count > 0)
                {
                    return new SseEvent(id, name, string.Join('\n', data));
                }

                id = null;
                name = null;
                continue;
            }

            if (line.StartsWith(':'))
            {
                Comments.Add(line[1..].Trim());
                continue;
            }

            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id": id = value; break;
                case "event": name = value; break;
                case "data": data.Add(value); break;
            }
        }
    }

    public async Task<List<SseEvent>> TakeAsync(int count, TimeSpan timeout)
    {
        var events = new List<SseEvent>();
        while (events.Count < count)
        {
            events.Add(await NextAsync(timeout) ?? throw new InvalidOperationException($"stream ended after {events.Count} of {count} events"));
        }

        return events;
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
