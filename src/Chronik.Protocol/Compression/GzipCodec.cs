using System.Buffers;
using System.IO.Compression;

namespace Chronik.Protocol.Compression;

/// <summary>Kafka's gzip codec (RFC 1952, possibly several concatenated members) via System.IO.Compression.</summary>
internal static class GzipCodec
{
    public static unsafe void Compress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        using var sink = new BufferWriterStream(destination);
        using (var gzip = new GZipStream(sink, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(source);
    }

    /// <remarks>GZipStream reports a truncated stream as a short read, not an error; the record count check after decoding catches that.</remarks>
    public static unsafe void Decompress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination, int maxOutput)
    {
        if (source.IsEmpty) return;
        fixed (byte* p = source)
        {
            using var input = new UnmanagedMemoryStream(p, source.Length);
            using var gzip = new GZipStream(input, CompressionMode.Decompress);
            long total = 0;
            try
            {
                while (true)
                {
                    var span = CompressionCodecs.BoundedSpan(destination, total, maxOutput, 16 * 1024);
                    int n = gzip.Read(span);
                    if (n == 0) break;
                    destination.Advance(n);
                    total += n;
                    if (total > maxOutput) CompressionException.ThrowTooLarge(maxOutput);
                }
            }
            catch (InvalidDataException e)
            {
                throw new CompressionException("corrupt gzip data: " + e.Message, e);
            }
        }
    }

    /// <summary>Write-only stream adapter so GZipStream can write straight into a buffer writer.</summary>
    private sealed class BufferWriterStream(IBufferWriter<byte> writer) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer) => writer.Write(buffer);
    }
}
