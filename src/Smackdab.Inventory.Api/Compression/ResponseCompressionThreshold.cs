using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.Options;

namespace Smackdab.Inventory.Api.Compression;

/// <summary>ASP.NET Core's provider (Accept-Encoding negotiation, MIME types), except that small responses stay uncompressed.</summary>
public sealed class ThresholdCompressionProvider(IServiceProvider services, IOptions<ResponseCompressionOptions> options, IOptions<CompressionOptions> threshold)
    : ResponseCompressionProvider(services, options)
{
    public override bool ShouldCompressResponse(HttpContext context) =>
        context.Response.ContentLength is not { } length || length > threshold.Value.MinimumResponseBytes
            ? base.ShouldCompressResponse(context)
            : false;
}

/// <summary>
/// Holds back the first Compression:MinimumResponseBytes of a response. A response that ends within them is sent with its
/// Content-Length (so <see cref="ThresholdCompressionProvider"/> leaves it alone); a longer one streams on and is compressed.
/// Sits just inside UseResponseCompression.
/// </summary>
public sealed class ResponseCompressionThresholdMiddleware(RequestDelegate next, IOptions<CompressionOptions> options)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (Microsoft.Extensions.Primitives.StringValues.IsNullOrEmpty(context.Request.Headers.AcceptEncoding))
        {
            await next(context);
            return;
        }

        var original = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        var buffered = new ThresholdBufferingStream(original.Stream, context.Response, options.Value.MinimumResponseBytes);
        context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(buffered, original));
        try
        {
            await next(context);
            await buffered.FinishAsync(context.RequestAborted);
        }
        finally
        {
            context.Features.Set(original);
        }
    }

    private sealed class ThresholdBufferingStream(Stream inner, HttpResponse response, int threshold) : Stream
    {
        private MemoryStream? _held = new();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_held is { } held)
            {
                if (held.Length + buffer.Length <= threshold)
                {
                    held.Write(buffer.Span);
                    return;
                }

                await ReleaseAsync(setLength: false, cancellationToken);
            }

            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            // Serializers flush at the end of every body; only a stream (server-sent events) must go out at once.
            if (_held is not null && response.ContentType?.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase) != true)
            {
                return;
            }

            await ReleaseAsync(setLength: false, cancellationToken);
            await inner.FlushAsync(cancellationToken);
        }

        public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        /// <summary>The response ended: what is still held is small, so it goes out with its length.</summary>
        public Task FinishAsync(CancellationToken ct) => ReleaseAsync(setLength: true, ct);

        private async Task ReleaseAsync(bool setLength, CancellationToken ct)
        {
            if (_held is not { } held)
            {
                return;
            }

            _held = null;
            if (held.Length == 0)
            {
                return;
            }

            if (setLength && !response.HasStarted && response.ContentLength is null)
            {
                response.ContentLength = held.Length;
            }

            await inner.WriteAsync(held.GetBuffer().AsMemory(0, (int)held.Length), ct);
        }
    }
}
