using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Api.Hosting;

namespace Smackdab.Inventory.Api.Middleware;

/// <summary>
/// Enforces Api:MaxRequestBodyBytes (Api:MaxUploadBodyBytes on upload endpoints) on every host (Kestrel and the in-memory test server alike):
/// a declared Content-Length over the limit is refused at once, and any body (chunked, or decompressed) is cut off when it passes it.
/// </summary>
public sealed class RequestBodyLimitMiddleware(RequestDelegate next, IOptions<ApiOptions> options)
{
    public Task InvokeAsync(HttpContext context)
    {
        var limit = RateLimiting.BulkEndpoints.IsUpload(context) ? options.Value.MaxUploadBodyBytes : options.Value.MaxRequestBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge);
        }

        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
        {
            feature.MaxRequestBodySize = limit;
        }

        // Also with a Content-Length: after request decompression the body read is larger than the one declared.
        if (context.Request.Body.CanRead)
        {
            context.Request.Body = new LimitedReadStream(context.Request.Body, limit);
        }

        return next(context);
    }

    private sealed class LimitedReadStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            try
            {
                return Count(inner.Read(buffer, offset, count));
            }
            catch (InvalidOperationException e)
            {
                throw Undecodable(e);
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return Count(await inner.ReadAsync(buffer, cancellationToken));
            }
            catch (InvalidOperationException e)
            {
                throw Undecodable(e);
            }
        }

        /// <summary>The Brotli decoder reports corrupt input as InvalidOperationException; gzip and deflate as InvalidDataException.</summary>
        private static InvalidDataException Undecodable(InvalidOperationException e) => new("The request body could not be decoded", e);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Count(int read)
        {
            _read += read;
            if (_read > limit)
            {
                throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge);
            }

            return read;
        }
    }
}
