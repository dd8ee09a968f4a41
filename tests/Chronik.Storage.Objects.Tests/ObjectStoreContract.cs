using System.Buffers;
using System.Security.Cryptography;

namespace Chronik.Storage.Objects.Tests;

/// <summary>The one suite every <see cref="IObjectStore"/> passes; each test writes under a prefix of its own.</summary>
public abstract class ObjectStoreContract
{
    private static readonly CancellationToken None = CancellationToken.None;

    protected abstract IObjectStore Store { get; }

    protected string Prefix { get; } = "t/" + Guid.NewGuid().ToString("N") + "/";

    protected static byte[] Bytes(int length, int seed)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    [Fact]
    public async Task Put_then_read_round_trips_and_head_has_the_size()
    {
        var data = Bytes(10_000, 1);
        await Store.PutAsync(Prefix + "a.obj", data, None);
        var back = new byte[data.Length];
        Assert.Equal(data.Length, await Store.ReadAsync(Prefix + "a.obj", 0, back, None));
        Assert.Equal(data, back);
        var head = await Store.HeadAsync(Prefix + "a.obj", None);
        Assert.NotNull(head);
        Assert.Equal(data.Length, head.Size);
        Assert.True(head.LastModified > DateTimeOffset.UtcNow.AddHours(-1));
    }

    [Fact]
    public async Task A_multi_segment_sequence_is_stored_as_one_object()
    {
        var parts = new[] { Bytes(100, 2), Bytes(0, 3), Bytes(4096, 4), Bytes(1, 5) };
        await Store.PutAsync(Prefix + "seq.obj", TestSequence.Of(parts), None);
        using var back = await Store.ReadRangeAsync(Prefix + "seq.obj", 0, 10_000, None);
        Assert.Equal(parts.SelectMany(p => p).ToArray(), back.Memory.ToArray());
    }

    [Fact]
    public async Task An_empty_object_exists_with_size_zero()
    {
        await Store.PutAsync(Prefix + "empty", ReadOnlyMemory<byte>.Empty, None);
        Assert.Equal(0, (await Store.HeadAsync(Prefix + "empty", None))!.Size);
        Assert.Equal(0, await Store.ReadAsync(Prefix + "empty", 0, new byte[10], None));
    }

    [Fact]
    public async Task Ranged_reads_at_the_edges()
    {
        var data = Bytes(1000, 6);
        string key = Prefix + "r.obj";
        await Store.PutAsync(key, data, None);
        async Task<byte[]> Read(long offset, int length)
        {
            using var o = await Store.ReadRangeAsync(key, offset, length, None);
            return o.Memory.ToArray();
        }
        Assert.Equal(data[..1], await Read(0, 1));
        Assert.Equal(data[999..], await Read(999, 1));
        Assert.Equal(data[500..700], await Read(500, 200));
        Assert.Equal(data[990..], await Read(990, 20)); // cut at the end
        Assert.Equal(data, await Read(0, 1000));
        Assert.Equal(data, await Read(0, 5000));
        Assert.Empty(await Read(1000, 5)); // from the end
        Assert.Empty(await Read(5000, 5)); // past it
        Assert.Empty(await Read(10, 0));
    }

    [Fact]
    public async Task A_put_on_an_existing_key_is_refused_and_the_first_object_stays()
    {
        var first = Bytes(300, 7);
        string key = Prefix + "once.obj";
        await Store.PutAsync(key, first, None);
        var e = await Assert.ThrowsAsync<ObjectAlreadyExistsException>(() => Store.PutAsync(key, Bytes(500, 8), None));
        Assert.Equal(key, e.Key);
        using var back = await Store.ReadRangeAsync(key, 0, 1000, None);
        Assert.Equal(first, back.Memory.ToArray());
    }

    [Fact]
    public async Task List_pages_through_a_prefix_in_ordinal_order()
    {
        var expected = new List<string>();
        for (int i = 0; i < 23; i++) expected.Add(Prefix + $"a/{i:D3}.obj");
        expected.Add(Prefix + "a/sub/deep.obj");
        var others = new[] { Prefix + "ab-x.obj", Prefix + "b/000.obj", Prefix + "a.obj" };
        await Task.WhenAll(expected.Concat(others).Select((k, i) => Store.PutAsync(k, Bytes(i + 1, i), None)));

        var seen = new List<ObjectInfo>();
        string? continuation = null;
        int pages = 0;
        do
        {
            var page = await Store.ListAsync(Prefix + "a/", continuation, 7, None);
            Assert.True(page.Objects.Count <= 7);
            seen.AddRange(page.Objects);
            continuation = page.Continuation;
            Assert.True(++pages <= 10, "listing does not end");
        } while (continuation is not null);
        Assert.Equal(4, pages);
        Assert.Equal(expected.Order(StringComparer.Ordinal), seen.Select(o => o.Key));
        Assert.All(seen, o => Assert.Equal(expected.IndexOf(o.Key) + 1, o.Size));

        // A prefix may end inside a segment; it is a string prefix, as in S3. (s3rver lists a folder's keys before a
        // sibling such as "a.obj" that sorts between them, and its pages resume after the last key by byte order, so
        // across folders only one page and only the set are compared.)
        var partial = await Store.ListAllAsync(Prefix + "a", 1000).Select(o => o.Key).ToListAsync();
        Assert.Equal(expected.Append(Prefix + "ab-x.obj").Append(Prefix + "a.obj").Order(StringComparer.Ordinal), partial.Order(StringComparer.Ordinal));
        Assert.Empty((await Store.ListAsync(Prefix + "zzz/", null, 10, None)).Objects);
    }

    [Fact]
    public async Task Delete_removes_the_object_and_deleting_again_is_fine()
    {
        string key = Prefix + "d.obj";
        await Store.PutAsync(key, Bytes(10, 9), None);
        await Store.DeleteAsync(key, None);
        Assert.Null(await Store.HeadAsync(key, None));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.ReadAsync(key, 0, new byte[1], None));
        Assert.Empty((await Store.ListAsync(Prefix, null, 10, None)).Objects);
        await Store.DeleteAsync(key, None);
        await Store.DeleteAsync(Prefix + "never/was.obj", None);
    }

    [Fact]
    public async Task A_missing_key_is_an_error_to_read_and_null_to_head()
    {
        string key = Prefix + "missing.obj";
        var e = await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.ReadAsync(key, 0, new byte[10], None));
        Assert.Equal(key, e.Key);
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.ReadAsync(key, 0, Memory<byte>.Empty, None));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.ReadAsync(Prefix + "no/dir/x.obj", 5, new byte[10], None));
        Assert.Null(await Store.HeadAsync(key, None));
    }

    [Fact]
    public async Task Bad_keys_are_refused_before_any_io()
    {
        foreach (string bad in new[] { "", "/abs", "a//b", "a/../b", ".hidden", "a/.tmp/x", "sp ace", "a\\b", "ü" })
        {
            await Assert.ThrowsAsync<ArgumentException>(() => Store.PutAsync(bad, new byte[1], None));
        }
    }

    [Fact]
    public async Task A_cancelled_call_throws_OperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.PutAsync(Prefix + "c.obj", new byte[10], cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.HeadAsync(Prefix + "c.obj", cts.Token));
    }

    [Fact]
    public async Task Concurrent_puts_of_different_keys_all_land()
    {
        var keys = Enumerable.Range(0, 32).Select(i => Prefix + $"c/{i:D2}.obj").ToList();
        await Task.WhenAll(keys.Select((k, i) => Task.Run(() => Store.PutAsync(k, Bytes(64 * 1024, 100 + i), None))));
        for (int i = 0; i < keys.Count; i++)
        {
            using var back = await Store.ReadRangeAsync(keys[i], 0, 64 * 1024, None);
            Assert.Equal(Bytes(64 * 1024, 100 + i), back.Memory.ToArray());
        }
        Assert.Equal(32, (await Store.ListAllAsync(Prefix + "c/").ToListAsync()).Count);
    }

    /// <summary>
    /// 48 MiB in 1 MiB pooled-style segments: the PUT streams them (it allocates under an eighth of the object: 2 MB on S3, 6 KB on files, measured; so the
    /// store made no whole copy), and ranged reads into one reused buffer give back the same bytes.
    /// </summary>
    [Fact]
    public async Task A_large_object_is_streamed_without_a_whole_copy()
    {
        const int segment = 1 << 20, count = 48;
        var parts = Enumerable.Range(0, count).Select(i => Bytes(segment, 1000 + i)).ToArray();
        var data = TestSequence.Of(parts);
        string key = Prefix + "large.obj";
        long before = GC.GetTotalAllocatedBytes(precise: true);
        await Store.PutAsync(key, data, None);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.True(allocated < data.Length / 8, $"the PUT allocated {allocated:N0} bytes for a {data.Length:N0}-byte object");
        Assert.Equal(data.Length, (await Store.HeadAsync(key, None))!.Size);

        using var expected = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var p in parts) expected.AppendData(p);
        using var actual = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[3 * segment + 17]; // ranges that straddle the segments
        long offset = 0;
        while (true)
        {
            int n = await Store.ReadAsync(key, offset, buffer, None);
            if (n == 0) break;
            actual.AppendData(buffer, 0, n);
            offset += n;
        }
        Assert.Equal(data.Length, offset);
        Assert.Equal(expected.GetHashAndReset(), actual.GetHashAndReset());
    }
}

/// <summary>Builds multi-segment sequences, as a writer over pooled buffers hands them out.</summary>
internal static class TestSequence
{
    public static ReadOnlySequence<byte> Of(params byte[][] parts)
    {
        if (parts.Length == 0) return ReadOnlySequence<byte>.Empty;
        var first = new Segment(parts[0], 0);
        var last = first;
        foreach (var p in parts.Skip(1)) last = last.Append(p);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
