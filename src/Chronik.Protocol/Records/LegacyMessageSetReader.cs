using Chronik.Protocol.Compression;

namespace Chronik.Protocol.Records;

/// <summary>Reads a legacy (magic 0/1) message set, expanding compressed wrapper messages into their inner messages. Read-only; iterate with foreach (which disposes the enumerator copy) or call MoveNext/Dispose on one instance, so the decompression buffer goes back to the pool.</summary>
public ref struct LegacyMessageSetReader
{
    private readonly ReadOnlySpan<byte> _outer;
    private readonly bool _verifyCrc;
    private readonly int _maxDecompressedSize;
    private int _outerPos;
    private PooledBufferWriter? _innerBuffer;
    private ReadOnlySpan<byte> _inner;
    private int _innerPos;
    private long _innerOffsetBase;
    private bool _innerRelative;
    private long _wrapperTimestamp;
    private bool _wrapperLogAppendTime;
    private LegacyMessage _current;

    public LegacyMessageSetReader(ReadOnlySpan<byte> messageSet, bool verifyCrc = true, int maxDecompressedSize = CompressionCodecs.DefaultMaxDecompressedSize)
    {
        _outer = messageSet;
        _verifyCrc = verifyCrc;
        _maxDecompressedSize = maxDecompressedSize;
        _outerPos = 0;
        _innerBuffer = null;
        _inner = default;
        _innerPos = 0;
        _innerOffsetBase = 0;
        _innerRelative = false;
        _wrapperTimestamp = -1;
        _wrapperLogAppendTime = false;
        _current = default;
    }

    public readonly LegacyMessage Current => _current;
    public readonly LegacyMessageSetReader GetEnumerator() => this;
    /// <summary>Bytes after the last whole outer message (a partial message at the end of a fetch).</summary>
    public readonly int RemainingBytes => _outer.Length - _outerPos;

    public bool MoveNext()
    {
        while (true)
        {
            if (_innerPos < _inner.Length)
            {
                if (!LegacyMessage.TryParse(_inner, ref _innerPos, _verifyCrc, out var m))
                    CorruptRecordException.Throw("partial message inside a compressed wrapper");
                if (m.Compression != CompressionType.None) CorruptRecordException.Throw("nested compressed legacy message");
                long offset = _innerRelative ? _innerOffsetBase + m.Offset : m.Offset;
                _current = _wrapperLogAppendTime
                    ? m.WithResolved(offset, _wrapperTimestamp, TimestampType.LogAppendTime)
                    : m.WithResolved(offset, m.Timestamp, m.TimestampType);
                return true;
            }
            if (!LegacyMessage.TryParse(_outer, ref _outerPos, _verifyCrc, out var outer)) return false;
            if (outer.Compression == CompressionType.None)
            {
                _current = outer;
                return true;
            }
            OpenWrapper(outer);
        }
    }

    private void OpenWrapper(LegacyMessage wrapper)
    {
        if (wrapper.ValueIsNull) CorruptRecordException.Throw("compressed legacy wrapper without a value");
        _innerBuffer ??= new PooledBufferWriter(Math.Max(wrapper.Value.Length * 4, 4096));
        _innerBuffer.Clear();
        CompressionCodecs.Decompress(wrapper.Compression, wrapper.Value, _innerBuffer, _maxDecompressedSize);
        _inner = _innerBuffer.WrittenSpan;
        _innerPos = 0;
        // Magic 1 wrappers carry the last absolute offset and inner offsets relative to 0 (KIP-31).
        _innerRelative = wrapper.Magic == 1;
        if (_innerRelative)
        {
            long lastInner = -1;
            int p = 0;
            while (p < _inner.Length && LegacyMessage.TryParse(_inner, ref p, verifyCrc: false, out var m)) lastInner = m.Offset;
            _innerOffsetBase = wrapper.Offset - lastInner;
        }
        _wrapperTimestamp = wrapper.Timestamp;
        _wrapperLogAppendTime = wrapper.TimestampType == TimestampType.LogAppendTime;
    }

    public void Dispose()
    {
        _inner = default;
        _innerBuffer?.Dispose();
        _innerBuffer = null;
    }
}
