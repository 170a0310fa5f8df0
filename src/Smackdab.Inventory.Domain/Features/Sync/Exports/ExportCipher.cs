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
        var header = new byte[Magic.Length + 1 + PrefixBytes];
        await input.ReadExactlyAsync(header, ct);
        if (!header.AsSpan(0, Magic.Length).SequenceEqual(Magic) || header[Magic.Length] != FormatVersion)
        {
            throw new CryptographicException("Not an encrypted Smackdab export");
        }

        var prefix = header.AsSpan(Magic.Length + 1).ToArray();
        using var aes = new AesGcm(key, TagBytes);
        var lengthBytes = new byte[4];
        var tag = new byte[TagBytes];
        uint index = 0;
        while (true)
        {
            await input.ReadExactlyAsync(lengthBytes, ct);
            var length = BinaryPrimitives.ReadInt32BigEndian(lengthBytes);
            if (length < 0 || length > 64 * 1024 * 1024)
            {
                throw new CryptographicException("Damaged chunk header");
            }

            var cipher = new byte[length];
            await input.ReadExactlyAsync(cipher, ct);
            await input.ReadExactlyAsync(tag, ct);
            var plain = new byte[length];
            // The last chunk is the one followed by end of file; try it as "last" only then.
            var last = input.Position == input.Length;
            aes.Decrypt(Nonce(prefix, index), cipher, tag, plain, new[] { last ? (byte)1 : (byte)0 });
            await output.WriteAsync(plain, ct);
            if (last)
            {
                return;
            }

            index++;
        }
    }

    private static byte[] Nonce(byte[] prefix, uint index)
    {
        var nonce = new byte[12];
        prefix.CopyTo(nonce, 0);
        BinaryPrimitives.WriteUInt32BigEndian(nonce.AsSpan(PrefixBytes), index);
        return nonce;
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
