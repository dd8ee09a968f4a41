using System.Buffers;
using System.Buffers.Binary;
using Chronik.Protocol.Records;
using Chronik.Storage.Objects.Files;
using Chronik.Storage.Objects.Format;

namespace Chronik.Storage.Objects.Tests;

/// <summary>The commit-window object: written from pooled chunks, stored once, and read back partition by partition with ranged reads.</summary>
[Collection(ObjectStoreCollection.Name)]
public sealed class CommitWindowTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly string _dir = Directory.CreateTempSubdirectory("chronik-window-").FullName;
    private readonly FileObjectStore _store;

    public CommitWindowTests() => _store = new FileObjectStore(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A magic-2 batch framing of <paramref name="size"/> bytes with <paramref name="records"/> records (the body is random).</summary>
    internal static byte[] Batch(int size, int records, int seed)
    {
        var b = new byte[size];
        new Random(seed).NextBytes(b);
        BinaryPrimitives.WriteInt64BigEndian(b, 0);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(RecordBatchHeader.BatchLengthOffset), size - RecordBatchHeader.LogOverhead);
        b[RecordBatchHeader.MagicOffset] = 2;
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(RecordBatchHeader.LastOffsetDeltaOffset), records - 1);
        return b;
    }

    private static readonly Guid TopicA = Guid.Parse("00000000-0000-0000-0000-00000000000a");
    private static readonly Guid TopicB = Guid.Parse("ffffffff-0000-0000-0000-00000000000b");

    [Fact]
    public async Task Batches_are_grouped_by_partition_and_each_partition_is_found_with_one_ranged_read()
    {
        var added = new Dictionary<(Guid, int), List<byte[]>>();
        using var writer = new CommitWindowWriter();
        var rng = new Random(7);
        for (int i = 0; i < 200; i++)
        {
            var p = (i % 3 == 0 ? TopicB : TopicA, rng.Next(5));
            var batch = Batch(RecordBatchHeader.Size + rng.Next(0, 3000), 1 + rng.Next(10), i);
            writer.Add(p.Item1, p.Item2, batch);
            if (!added.TryGetValue(p, out var list)) added[p] = list = [];
            list.Add(batch);
        }
        using var built = writer.Build(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        Assert.Equal(added.Count, built.Index.Count);
        Assert.Equal(writer.DataBytes + built.Index.Count * CommitWindowLayout.EntrySize + CommitWindowLayout.FooterSize, built.Size);
        await _store.PutAsync("w/1.obj", built.Data, None);

        var reader = await CommitWindowReader.OpenAsync(_store, "w/1.obj", built.Size, None);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), reader.CreatedAt);
        Assert.Equal(built.Index, reader.Index);
        Assert.Equal(reader.Index.OrderBy(e => e.TopicId == TopicA ? 0 : 1).ThenBy(e => e.Partition), reader.Index); // topic id bytes, then partition
        foreach (var ((topic, partition), batches) in added)
        {
            var range = reader.Find(topic, partition);
            Assert.NotNull(range);
            Assert.Equal(batches.Count, range.Value.BatchCount);
            Assert.Equal(batches.Sum(b => (long)BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(RecordBatchHeader.LastOffsetDeltaOffset)) + 1), range.Value.RecordCount);
            using var bytes = await reader.ReadBatchesAsync(range.Value, None);
            Assert.Equal(batches, CommitWindowReader.SplitBatches(bytes.Memory).Select(m => m.ToArray()));
        }
        Assert.Null(reader.Find(TopicA, 99));
        Assert.Null(reader.Find(Guid.NewGuid(), 0));
    }

    [Fact]
    public async Task A_batch_larger_than_a_chunk_and_an_index_larger_than_the_tail_read()
    {
        using var writer = new CommitWindowWriter();
        var big = Batch(3 * CommitWindowWriter.ChunkSize + 123, 1000, 1);
        writer.Add(TopicA, 0, big);
        for (int p = 1; p <= 2000; p++) writer.Add(TopicA, p, Batch(RecordBatchHeader.Size, 1, p)); // 2000 * 48 bytes > 64 KiB
        using var built = writer.Build(DateTimeOffset.UtcNow);
        await _store.PutAsync("w/big.obj", built.Data, None);
        var reader = await CommitWindowReader.OpenAsync(_store, "w/big.obj", size: null, None);
        Assert.Equal(2001, reader.Index.Count);
        using var bytes = await reader.ReadBatchesAsync(reader.Find(TopicA, 0)!.Value, None);
        Assert.Equal(big, bytes.Memory.ToArray());
        using var last = await reader.ReadBatchesAsync(reader.Find(TopicA, 2000)!.Value, None);
        Assert.Equal(Batch(RecordBatchHeader.Size, 1, 2000), last.Memory.ToArray());
    }

    [Fact]
    public async Task An_empty_window_is_a_valid_object_with_an_empty_index()
    {
        using var writer = new CommitWindowWriter();
        using var built = writer.Build(DateTimeOffset.UtcNow);
        Assert.Equal(CommitWindowLayout.FooterSize, built.Size);
        await _store.PutAsync("w/empty.obj", built.Data, None);
        Assert.Empty((await CommitWindowReader.OpenAsync(_store, "w/empty.obj", null, None)).Index);
    }

    [Theory]
    [InlineData(10)]          // short of a header
    [InlineData(100)]         // length field disagrees
    public void The_writer_refuses_what_is_not_a_whole_batch(int cut)
    {
        using var writer = new CommitWindowWriter();
        var batch = Batch(200, 1, 1);
        Assert.Throws<ArgumentException>(() => writer.Add(TopicA, 0, batch.AsSpan(0, cut)));
        batch[RecordBatchHeader.MagicOffset] = 1;
        Assert.Throws<ArgumentException>(() => writer.Add(TopicA, 0, batch));
    }

    [Fact]
    public async Task Damage_anywhere_in_the_footer_or_index_is_detected()
    {
        using var writer = new CommitWindowWriter();
        writer.Add(TopicA, 0, Batch(500, 2, 1));
        writer.Add(TopicB, 3, Batch(700, 5, 2));
        using var built = writer.Build(DateTimeOffset.UtcNow);
        var good = built.Data.ToArray();
        int tail = 2 * CommitWindowLayout.EntrySize + CommitWindowLayout.FooterSize;
        for (int i = good.Length - tail; i < good.Length; i++)
        {
            if (i - (good.Length - CommitWindowLayout.FooterSize) is >= 16 and < 24) continue; // the creation time is not checked
            var bad = (byte[])good.Clone();
            bad[i] ^= 0x40;
            string key = $"w/bad-{i}.obj";
            await _store.PutAsync(key, bad, None);
            await Assert.ThrowsAsync<CommitWindowFormatException>(() => CommitWindowReader.OpenAsync(_store, key, null, None));
        }
        await _store.PutAsync("w/cut.obj", good.AsMemory(0, good.Length - 1), None);
        await Assert.ThrowsAsync<CommitWindowFormatException>(() => CommitWindowReader.OpenAsync(_store, "w/cut.obj", null, None));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => CommitWindowReader.OpenAsync(_store, "w/none.obj", null, None));
    }

    [Fact]
    public void The_object_starts_with_the_batches_and_ends_with_the_magic()
    {
        using var writer = new CommitWindowWriter();
        var batch = Batch(300, 3, 9);
        writer.Add(TopicA, 1, batch);
        using var built = writer.Build(DateTimeOffset.UtcNow);
        var bytes = built.Data.ToArray();
        Assert.Equal(batch, bytes[..300]);
        Assert.Equal("CHRNKCW1"u8.ToArray(), bytes[^8..]);
        Assert.True(built.Data.IsSingleSegment is false); // chunks and the index block, never copied together
    }
}

/// <summary>The same object through the S3 store on s3rver: the reader needs nothing but ranged reads.</summary>
[Collection(ObjectStoreCollection.Name)]
public sealed class CommitWindowS3Tests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    [Fact]
    public async Task A_window_round_trips_through_s3()
    {
        await using var store = new S3.S3ObjectStore(s3.Options());
        using var writer = new CommitWindowWriter();
        var topic = Guid.NewGuid();
        for (int p = 0; p < 10; p++)
        {
            for (int b = 0; b < 5; b++) writer.Add(topic, p, CommitWindowTests.Batch(100 + b * 10, 1 + b, p * 10 + b));
        }
        using var built = writer.Build(DateTimeOffset.UtcNow);
        string key = ObjectKey.Unique("windows/" + Guid.NewGuid().ToString("N"), nodeId: 1, epoch: 7, sequence: 42);
        await store.PutAsync(key, built.Data, CancellationToken.None);
        var reader = await CommitWindowReader.OpenAsync(store, key, null, CancellationToken.None);
        Assert.Equal(10, reader.Index.Count);
        using var bytes = await reader.ReadBatchesAsync(reader.Find(topic, 7)!.Value, CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, 5).Select(b => CommitWindowTests.Batch(100 + b * 10, 1 + b, 70 + b)), CommitWindowReader.SplitBatches(bytes.Memory).Select(m => m.ToArray()));
    }
}
