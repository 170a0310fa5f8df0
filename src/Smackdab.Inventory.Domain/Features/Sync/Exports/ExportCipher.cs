using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Smackdab.Inventory.Domain.Features.Sync.Exports;

/// <summary>
/// AES-256-GCM over a stream in chunks, so that files of any size are encrypted and decrypted in constant memory.
/// Format: "SDXE" magic, version byte 1, 8-byte random nonce prefix; then chunks of
/// [4-byte big-endian plaintext length][ciphertext][16-byte tag]. Chunk i uses nonce = prefix || i (4 bytes, big-endian)
/// and one byte of associated data: 1 on the last chunk, 0 otherwise, so that reordering, truncation or appending fails.
/// </summary>
public static class ExportCipher
{
    public const int KeyBytes = 32;
    private const int TagBytes = 16;
    private const int PrefixBytes = 8;
    private static readonly byte[] Magic = "SDXE"u8.ToArray();
    private const byte FormatVersion = 1;

    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(KeyBytes);

    /// <summary>A write-only stream that encrypts into <paramref name="output"/>; call <see cref="EncryptingStream.FinishAsync"/> before disposing.</summary>
    public static async Task<EncryptingStream> EncryptToAsync(Stream output, byte[] key, int chunkBytes, CancellationToken ct)
    {
        var prefix = RandomNumberGenerator.GetBytes(PrefixBytes);
        await output.WriteAsync(Magic, ct);
        output.WriteByte(FormatVersion);
        await output.WriteAsync(prefix, ct);
        return new EncryptingStream(output, key, prefix, chunkBytes);
    }

    /// <summary>Decrypts a whole encrypted export into <paramref name="output"/>; throws <see cref="CryptographicException"/> on a wrong key or a damaged file.</summary>
    public static async Task DecryptAsync(Stream input, Stream output, byte[] key, CancellationToken ct)
    {
        await using var plain = await DecryptFromAsync(input, key, leaveOpen: true, ct);
        await plain.CopyToAsync(output, ct);
    }

    /// <summary>Whether <paramref name="header"/> (the first bytes of a file) starts like an encrypted export.</summary>
    public static bool LooksEncrypted(ReadOnlySpan<byte> header) => header.StartsWith(Magic);

    /// <summary>
    /// A read-only stream of the plaintext of an encrypted export read from <paramref name="input"/> (which need not be seekable),
    /// one chunk at a time: each chunk's tag is checked before any of its bytes are returned, so a wrong key fails on the first
    /// read. Throws <see cref="CryptographicException"/> on a wrong key, a damaged or truncated file, or a file that is not ours.
    /// </summary>
    public static async Task<DecryptingStream> DecryptFromAsync(Stream input, byte[] key, bool leaveOpen, CancellationToken ct)
    {
        var header = new byte[Magic.Length + 1 + PrefixBytes];
        try
        {
            await input.ReadExactlyAsync(header, ct);
        }
        catch (EndOfStreamException)
        {
            throw new CryptographicException("Not an encrypted Smackdab export");
        }

        if (!header.AsSpan(0, Magic.Length).SequenceEqual(Magic) || header[Magic.Length] != FormatVersion)
        {
            throw new CryptographicException("Not an encrypted Smackdab export");
        }

        return new DecryptingStream(input, key, header.AsSpan(Magic.Length + 1).ToArray(), leaveOpen);
    }

    private static byte[] Nonce(byte[] prefix, uint index)
    {
        var nonce = new byte[12];
        prefix.CopyTo(nonce, 0);
        BinaryPrimitives.WriteUInt32BigEndian(nonce.AsSpan(PrefixBytes), index);
        return nonce;
    }

    /// <summary>See <see cref="DecryptFromAsync"/>. Synchronous reads are not supported.</summary>
    public sealed class DecryptingStream : Stream
    {
        /// <summary>The largest chunk the writer produces (<see cref="ExportOptions.EncryptionChunkBytes"/>'s upper bound).</summary>
        public const int MaxChunkBytes = 16 * 1024 * 1024;

        private readonly Stream _input;
        private readonly AesGcm _aes;
        private readonly byte[] _prefix;
        private readonly bool _leaveOpen;
        private readonly byte[] _tag = new byte[TagBytes];
        private byte[] _cipher = [];
        private byte[] _plain = [];
        private int _plainLength;
        private int _plainOffset;
        private byte[]? _nextLength;
        private uint _index;
        private bool _done;

        internal DecryptingStream(Stream input, byte[] key, byte[] prefix, bool leaveOpen)
        {
            _input = input;
            _aes = new AesGcm(key, TagBytes);
            _prefix = prefix;
            _leaveOpen = leaveOpen;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Use ReadAsync");

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_plainOffset == _plainLength)
            {
                if (_done)
                {
                    return 0;
                }

                await ReadChunkAsync(cancellationToken);
            }

            var take = Math.Min(buffer.Length, _plainLength - _plainOffset);
            _plain.AsMemory(_plainOffset, take).CopyTo(buffer);
            _plainOffset += take;
            return take;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _aes.Dispose();
                CryptographicOperations.ZeroMemory(_plain);
                if (!_leaveOpen)
                {
                    _input.Dispose();
                }
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            _aes.Dispose();
            CryptographicOperations.ZeroMemory(_plain);
            if (!_leaveOpen)
            {
                await _input.DisposeAsync();
            }

            await base.DisposeAsync();
        }

        /// <summary>Reads, authenticates and decrypts the next chunk. A chunk is the last when end of file follows it.</summary>
        private async Task ReadChunkAsync(CancellationToken ct)
        {
            try
            {
                var lengthBytes = _nextLength ?? await ReadLengthAsync(ct) ?? throw new CryptographicException("The encrypted file is truncated");
                var length = BinaryPrimitives.ReadInt32BigEndian(lengthBytes);
                if (length < 0 || length > MaxChunkBytes)
                {
                    throw new CryptographicException("Damaged chunk header");
                }

                if (_cipher.Length < length)
                {
                    _cipher = new byte[length];
                    CryptographicOperations.ZeroMemory(_plain);
                    _plain = new byte[length];
                }

                await _input.ReadExactlyAsync(_cipher.AsMemory(0, length), ct);
                await _input.ReadExactlyAsync(_tag, ct);
                // Look one length header ahead: none means this chunk must be the last one.
                _nextLength = await ReadLengthAsync(ct);
                var last = _nextLength is null;
                _aes.Decrypt(Nonce(_prefix, _index), _cipher.AsSpan(0, length), _tag, _plain.AsSpan(0, length), [last ? (byte)1 : (byte)0]);
                _plainLength = length;
                _plainOffset = 0;
                _index++;
                _done = last;
            }
            catch (EndOfStreamException)
            {
                throw new CryptographicException("The encrypted file is truncated");
            }
        }

        /// <summary>The next 4-byte length header, or null at a clean end of file.</summary>
        private async Task<byte[]?> ReadLengthAsync(CancellationToken ct)
        {
            var bytes = new byte[4];
            var read = await _input.ReadAtLeastAsync(bytes, 4, throwOnEndOfStream: false, ct);
            return read switch
            {
                0 => null,
                4 => bytes,
                _ => throw new CryptographicException("The encrypted file is truncated"),
            };
        }
    }

    public sealed class EncryptingStream : Stream
    {
        private readonly Stream _output;
        private readonly AesGcm _aes;
        private readonly byte[] _prefix;
        private readonly byte[] _buffer;
        private readonly byte[] _cipher;
        private readonly byte[] _tag = new byte[TagBytes];
        private int _filled;
        private uint _index;
        private bool _finished;

        internal EncryptingStream(Stream output, byte[] key, byte[] prefix, int chunkBytes)
        {
            _output = output;
            _aes = new AesGcm(key, TagBytes);
            _prefix = prefix;
            _buffer = new byte[chunkBytes];
            _cipher = new byte[chunkBytes];
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) =>
            WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(_finished, this);
            while (buffer.Length > 0)
            {
                if (_filled == _buffer.Length)
                {
                    // A full buffer is written only once more data arrives, so the last chunk is always known when finishing.
                    await WriteChunkAsync(last: false, cancellationToken);
                }

                var take = Math.Min(buffer.Length, _buffer.Length - _filled);
                buffer[..take].CopyTo(_buffer.AsMemory(_filled));
                _filled += take;
                buffer = buffer[take..];
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        /// <summary>Writes the final chunk (possibly empty) that marks the end of the file.</summary>
        public async Task FinishAsync(CancellationToken ct)
        {
            if (!_finished)
            {
                await WriteChunkAsync(last: true, ct);
                _finished = true;
                await _output.FlushAsync(ct);
            }
        }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _aes.Dispose();
            }

            base.Dispose(disposing);
        }

        private async Task WriteChunkAsync(bool last, CancellationToken ct)
        {
            _aes.Encrypt(Nonce(_prefix, _index), _buffer.AsSpan(0, _filled), _cipher.AsSpan(0, _filled), _tag, [last ? (byte)1 : (byte)0]);
            var length = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(length, _filled);
            await _output.WriteAsync(length, ct);
            await _output.WriteAsync(_cipher.AsMemory(0, _filled), ct);
            await _output.WriteAsync(_tag, ct);
            _filled = 0;
            _index++;
        }
    }
}
