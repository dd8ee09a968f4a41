using System.Buffers;
using System.Runtime.CompilerServices;

namespace Chronik.Storage.Objects;

/// <summary>Conveniences over <see cref="IObjectStore"/>: whole-buffer PUTs, pooled ranged reads, full listings.</summary>
public static class ObjectStoreExtensions
{
    /// <summary>PUT of one contiguous buffer.</summary>
    public static Task PutAsync(this IObjectStore store, string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        store.PutAsync(key, new ReadOnlySequence<byte>(data), cancellationToken);

    /// <summary>
    /// Reads [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>) into pooled memory; the
    /// owner's Memory is cut to the bytes read (shorter only at the object's end). Dispose it to return the buffer.
    /// </summary>
    public static async Task<IMemoryOwner<byte>> ReadRangeAsync(this IObjectStore store, string key, long offset, int length, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var owner = new PooledBuffer(length);
        try
        {
            int read = await store.ReadAsync(key, offset, owner.Full, cancellationToken).ConfigureAwait(false);
            owner.Cut(read);
            return owner;
        }
        catch
        {
            owner.Dispose();
            throw;
        }
    }

    /// <summary>Every object under <paramref name="prefix"/>, page by page.</summary>
    public static async IAsyncEnumerable<ObjectInfo> ListAllAsync(this IObjectStore store, string prefix, int pageSize = 1000,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? continuation = null;
        do
        {
            var page = await store.ListAsync(prefix, continuation, pageSize, cancellationToken).ConfigureAwait(false);
            foreach (var o in page.Objects) yield return o;
            continuation = page.Continuation;
        } while (continuation is not null);
    }

    private sealed class PooledBuffer : IMemoryOwner<byte>
    {
        private readonly int _capacity;
        private byte[]? _array;
        private int _length;

        public PooledBuffer(int capacity)
        {
            _capacity = capacity;
            _length = capacity;
            _array = ArrayPool<byte>.Shared.Rent(capacity);
        }

        public Memory<byte> Full => _array.AsMemory(0, _capacity);

        public Memory<byte> Memory => (_array ?? throw new ObjectDisposedException(nameof(PooledBuffer))).AsMemory(0, _length);

        public void Cut(int length) => _length = length;

        public void Dispose()
        {
            var a = Interlocked.Exchange(ref _array, null);
            if (a is not null) ArrayPool<byte>.Shared.Return(a);
        }
    }
}
