using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using Smackdab.Inventory.Domain.Features.Sync.Exports;

namespace Smackdab.Inventory.Domain.Features.Sync.Imports;

/// <summary>What decoding a fetched file did: the layers it removed and the size and sniffed format of the result.</summary>
public sealed record DecodedImportSource(string Encoding, long Size, string? SniffedFormat);

/// <summary>A fetched file that cannot be decoded; <see cref="ErrorType"/> and <see cref="Field"/> go into the import's error report.</summary>
public sealed class ImportDecodeException(string errorType, string? field, string message) : Exception(message)
{
    public string ErrorType { get; } = errorType;

    public string? Field { get; } = field;
}

/// <summary>
/// Turns a fetched import file back into the CSV or JSON it carries, in one streamed pass with constant memory: an encrypted
/// Smackdab export (<see cref="ExportCipher"/>'s "SDXE" format, recognised by its magic bytes) is decrypted with the caller's
/// key, then a gzip stream (recognised by its magic bytes 1f 8b, whatever the Content-Type says) is decompressed. This is the
/// reverse of the export writer's order (records → gzip → AES-GCM). A gzip stream must end with its trailer, whose size
/// field must match what was decompressed (a truncated download fails; one limitation: a multi-member gzip file whose last
/// member is not the whole content is refused as damaged). The decoded bytes are bounded by the same limit as the
/// fetched ones, so a gzip bomb ends as FILE_TOO_LARGE after at most that many bytes written, never as memory growth.
/// A file with neither layer is left as it is (null).
/// </summary>
public static class ImportSourceDecoder
{
    public const string Plain = "none";
    public const string Gzip = "gzip";
    public const string Aes256 = "aes256";

    private static readonly string[] GzipMediaTypes = ["application/gzip", "application/x-gzip"];

    /// <exception cref="ImportDecodeException">Encrypted without a key, a wrong key or damaged ciphertext, damaged gzip, or too large once decoded.</exception>
    public static async Task<DecodedImportSource?> DecodeAsync(string sourcePath, string targetPath, string? mediaType, byte[]? key, long maxBytes, CancellationToken ct)
    {
        await using var file = new FileStream(sourcePath, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
        var head = new byte[16];
        var headLength = await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct);
        file.Position = 0;
        var encrypted = ExportCipher.LooksEncrypted(head.AsSpan(0, headLength));
        var saysGzip = mediaType is not null && GzipMediaTypes.Contains(mediaType, StringComparer.OrdinalIgnoreCase);
        if (!encrypted && !IsGzip(head.AsSpan(0, headLength)))
        {
            return saysGzip
                ? throw new ImportDecodeException(ImportErrorTypes.MalformedFile, null, $"The source said {mediaType}, but the file is not gzip data")
                : null;
        }

        if (encrypted && key is null)
        {
            throw new ImportDecodeException(
                ImportErrorTypes.EncryptionKeyRequired, "encryption_key", "The file is an encrypted Smackdab export; send the export's encryption_key with the import");
        }

        var layers = new List<string>();
        try
        {
            Stream input = file;
            await using var decrypted = encrypted ? await ExportCipher.DecryptFromAsync(file, key!, leaveOpen: true, ct) : null;
            if (decrypted is not null)
            {
                layers.Add(Aes256);
                input = decrypted;
            }

            var peek = new PeekStream(input);
            var inner = await peek.PeekAsync(2, ct);
            if (!IsGzip(inner.Span))
            {
                var (plainSize, plainFirst) = await CopyBoundedAsync(peek, targetPath, maxBytes, ct);
                return new DecodedImportSource(string.Join('+', layers), plainSize, Sniff(plainFirst));
            }

            layers.Add(Gzip);
            var compressed = new PeekStream(peek) { KeepTail = true };
            long size;
            int first;
            await using (var gzip = new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: true))
            {
                (size, first) = await CopyBoundedAsync(gzip, targetPath, maxBytes, ct);
            }

            // .NET's GZipStream ends quietly on a truncated stream: the trailer's ISIZE (the size mod 2^32) must match.
            await compressed.CopyToAsync(Stream.Null, ct);
            if (compressed.Tail is not { Length: 8 } tail || BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(4)) != (uint)size)
            {
                throw new InvalidDataException("Truncated gzip stream");
            }

            return new DecodedImportSource(string.Join('+', layers), size, Sniff(first));
        }
        catch (CryptographicException)
        {
            File.Delete(targetPath);
            throw new ImportDecodeException(
                ImportErrorTypes.DecryptionFailed, "encryption_key", "The file could not be decrypted with the given encryption_key (a wrong key, or a damaged or truncated file)");
        }
        catch (InvalidDataException)
        {
            File.Delete(targetPath);
            throw new ImportDecodeException(ImportErrorTypes.MalformedFile, null, "The gzip data is damaged or truncated");
        }
        catch (ImportDecodeException)
        {
            File.Delete(targetPath);
            throw;
        }
    }

    private static string? Sniff(int first) => first is (byte)'{' or (byte)'[' ? ImportFormats.Json : first < 0 ? null : ImportFormats.Csv;

    private static bool IsGzip(ReadOnlySpan<byte> head) => head.Length >= 2 && head[0] == 0x1f && head[1] == 0x8b;

    /// <summary>Copies at most <paramref name="maxBytes"/> bytes; returns the size and the first significant byte (-1 when none).</summary>
    private static async Task<(long Size, int First)> CopyBoundedAsync(Stream input, string path, long maxBytes, CancellationToken ct)
    {
        await using var output = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true);
        var buffer = new byte[64 * 1024];
        long size = 0;
        var first = -1;
        int read;
        while ((read = await input.ReadAsync(buffer, ct)) > 0)
        {
            size += read;
            if (size > maxBytes)
            {
                throw new ImportDecodeException(ImportErrorTypes.FileTooLarge, null, $"The decoded file is larger than the limit of {maxBytes} bytes");
            }

            if (first < 0)
            {
                first = FirstSignificant(buffer.AsSpan(0, read));
            }

            await output.WriteAsync(buffer.AsMemory(0, read), ct);
        }

        return (size, first);
    }

    /// <summary>The first byte that is not whitespace or a UTF-8 byte order mark, or -1.</summary>
    private static int FirstSignificant(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or 0xEF or 0xBB or 0xBF))
            {
                return b;
            }
        }

        return -1;
    }

    /// <summary>A read-only stream that can look at its first bytes before handing them on, and keep its last 8 bytes.</summary>
    private sealed class PeekStream(Stream inner) : Stream
    {
        private readonly byte[] _tail = new byte[8];
        private byte[] _peeked = [];
        private int _offset;
        private long _total;

        /// <summary>Keep the last 8 bytes read (a gzip trailer).</summary>
        public bool KeepTail { get; init; }

        public byte[]? Tail => _total < _tail.Length ? null : _tail;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public async Task<ReadOnlyMemory<byte>> PeekAsync(int count, CancellationToken ct)
        {
            var buffer = new byte[count];
            var read = await inner.ReadAtLeastAsync(buffer, count, throwOnEndOfStream: false, ct);
            _peeked = buffer[..read];
            _offset = 0;
            return _peeked;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_offset < _peeked.Length)
            {
                var take = Math.Min(buffer.Length, _peeked.Length - _offset);
                _peeked.AsMemory(_offset, take).CopyTo(buffer);
                _offset += take;
                return take;
            }

            var read = await inner.ReadAsync(buffer, cancellationToken);
            if (KeepTail && read > 0)
            {
                Remember(buffer.Span[..read]);
            }

            return read;
        }

        private void Remember(ReadOnlySpan<byte> bytes)
        {
            _total += bytes.Length;
            if (bytes.Length >= _tail.Length)
            {
                bytes[^_tail.Length..].CopyTo(_tail);
                return;
            }

            // Shift the kept bytes left and append.
            _tail.AsSpan(bytes.Length).CopyTo(_tail);
            bytes.CopyTo(_tail.AsSpan(_tail.Length - bytes.Length));
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Use ReadAsync");

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
