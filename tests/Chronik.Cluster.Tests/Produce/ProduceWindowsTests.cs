using System.Diagnostics;
using System.Text;
using Chronik.Cluster.Commit;
using Chronik.Cluster.Produce;
using Chronik.Cluster.Tests.Commit;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Records;
using Chronik.Storage.Objects.Files;
using Npgsql;
using Xunit.Abstractions;

namespace Chronik.Cluster.Tests.Produce;

/// <summary>
/// Two brokers' produce paths on one PostgreSQL and one file object store: batches appended through either are
/// read through either, each acknowledged batch once at its acknowledged offsets, offsets contiguous.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ProduceWindowsTests(PostgresFixture pg, ITestOutputHelper output) : IDisposable
{
    private readonly string _database = pg.NewDatabase();
    private readonly string _root = Directory.CreateTempSubdirectory("chronik-produce-").FullName;
    private readonly List<IAsyncDisposable> _owned = [];

    private sealed record Broker(ProduceWindows Windows, ObjectBatchReader Reader);

    private Broker Start(int nodeId, TimeSpan? interval = null)
    {
        var ds = NpgsqlDataSource.Create(_database);
        var store = new FileObjectStore(_root);
        var windows = new ProduceWindows(store, new WindowCommitter(ds), nodeId, registrationEpoch: 1,
            new ProduceWindowOptions { CommitInterval = interval ?? TimeSpan.FromMilliseconds(50) });
        _owned.Add(windows);
        _owned.Add(store);
        _owned.Add(ds);
        return new Broker(windows, new ObjectBatchReader(new BatchIndex(ds), store));
    }

    private static byte[] Batch(long producerId, short epoch, int sequence, int records, string tag)
    {
        using var b = new RecordBatchBuilder { ProducerId = producerId, ProducerEpoch = epoch, BaseSequence = sequence };
        for (int i = 0; i < records; i++) b.Append(1_000 + i, Encoding.UTF8.GetBytes("k"), Encoding.UTF8.GetBytes($"{tag}-{sequence + i}"));
        return b.ToArray();
    }

    [Fact]
    public async Task Batches_produced_through_two_brokers_are_read_through_both_once_at_their_offsets()
    {
        await using var _ = await OwnedAsync();
        var a = Start(1);
        var b = Start(2);
        var topic = Guid.NewGuid();
        const int batches = 100, perBatch = 5;
        // Each broker's producer keeps up to 5 batches in flight (as a Kafka producer's connection does), so its
        // batches spread over many windows of both brokers, committed into the same partition.
        var clock = Stopwatch.StartNew();
        var answeredA = ProduceAsync(a, topic, 1000, "a", batches, perBatch);
        var answeredB = ProduceAsync(b, topic, 2000, "b", batches, perBatch);
        var answered = (await answeredA).Concat(await answeredB).ToList();
        var acked = answered;
        output.WriteLine($"{acked.Count * perBatch} records in {acked.Count} batches through 2 brokers in {clock.ElapsedMilliseconds} ms; windows {a.Windows.WindowsCommitted}+{b.Windows.WindowsCommitted}");
        foreach (var x in answered) Assert.Equal(ErrorCode.None, x.Ack.Error);

        var expected = answered.SelectMany(x => Enumerable.Range(0, perBatch).Select(j => (Offset: x.Ack.BaseOffset + j, Value: $"{x.Tag}-{x.Sequence + j}")))
            .OrderBy(x => x.Offset).ToList();
        Assert.Equal(Enumerable.Range(0, batches * 2 * perBatch).Select(i => (long)i), expected.Select(x => x.Offset));
        // One producer's batches got increasing offsets in the order it sent them.
        var offsetsA = answered.Take(batches).Select(x => x.Ack.BaseOffset).ToList();
        Assert.True(offsetsA.Zip(offsetsA.Skip(1)).All(p => p.First < p.Second));
        Assert.Equal(expected, await ReadAllAsync(b.Reader, topic));
        Assert.Equal(expected, await ReadAllAsync(a.Reader, topic));
    }

    [Fact]
    public async Task A_retried_batch_is_answered_with_its_first_offsets_and_a_gap_is_out_of_order()
    {
        await using var _ = await OwnedAsync();
        var a = Start(1, TimeSpan.FromMilliseconds(5));
        var b = Start(2, TimeSpan.FromMilliseconds(5));
        var topic = Guid.NewGuid();
        var first = await a.Windows.AppendAsync(topic, 3, Batch(7, 0, 0, 3, "p"));
        Assert.Equal((ErrorCode.None, 0L, 2L, false), (first.Error, first.BaseOffset, first.LastOffset, first.Duplicate));
        // The retry reaches the other broker (the producer moved after a leader change): a duplicate, not written again.
        var retry = await b.Windows.AppendAsync(topic, 3, Batch(7, 0, 0, 3, "p"));
        Assert.Equal((ErrorCode.None, 0L, true), (retry.Error, retry.BaseOffset, retry.Duplicate));
        var gap = await b.Windows.AppendAsync(topic, 3, Batch(7, 0, 10, 1, "p"));
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, gap.Error);
        var next = await b.Windows.AppendAsync(topic, 3, Batch(7, 0, 3, 2, "p"));
        Assert.Equal((ErrorCode.None, 3L), (next.Error, next.BaseOffset));
        var older = await a.Windows.AppendAsync(topic, 3, Batch(7, 1, 0, 1, "p"));
        Assert.Equal(ErrorCode.None, older.Error);
        var fenced = await b.Windows.AppendAsync(topic, 3, Batch(7, 0, 5, 1, "p"));
        Assert.Equal(ErrorCode.InvalidProducerEpoch, fenced.Error);
        Assert.Equal(["p-0", "p-1", "p-2", "p-3", "p-4", "p-0"], (await ReadAllAsync(a.Reader, topic, 3)).Select(x => x.Value));
    }

    [Fact]
    public async Task A_failed_put_is_a_storage_error_and_an_unreachable_database_a_timeout_both_retriable()
    {
        // The object store's directory is replaced by a file after opening: the PUT fails.
        string root = Path.Combine(_root, "gone");
        await using (var store = new FileObjectStore(root))
        await using (var ds = NpgsqlDataSource.Create(_database))
        {
            Directory.Delete(root, recursive: true);
            await File.WriteAllTextAsync(root, "not a directory");
            await using var windows = new ProduceWindows(store, new WindowCommitter(ds), 1, 1, new ProduceWindowOptions { CommitInterval = TimeSpan.FromMilliseconds(5) });
            var answers = await Task.WhenAll(windows.AppendAsync(Guid.NewGuid(), 0, Batch(5, 0, 0, 1, "x")), windows.AppendAsync(Guid.NewGuid(), 1, Batch(6, 0, 0, 1, "x")));
            Assert.All(answers, r => Assert.Equal((ErrorCode.KafkaStorageError, -1L), (r.Error, r.BaseOffset)));
        }
        // PostgreSQL unreachable for every attempt: the outcome is unknown, answered REQUEST_TIMED_OUT.
        var objects = Path.Combine(_root, "objects");
        await using (var store = new FileObjectStore(objects))
        await using (var proxy = new PostgresCutProxy(new NpgsqlConnectionStringBuilder(_database).Port))
        await using (var proxied = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(_database) { Port = proxy.Port, Pooling = false, Timeout = 2 }.ConnectionString))
        {
            var committer = new WindowCommitter(proxied, new WindowCommitterOptions { MaxAttempts = 2, InitialBackoff = TimeSpan.FromMilliseconds(10) });
            proxy.RefuseAll();
            await using var windows = new ProduceWindows(store, committer, 1, 1, new ProduceWindowOptions { CommitInterval = TimeSpan.FromMilliseconds(5) });
            var answer = await windows.AppendAsync(Guid.NewGuid(), 0, Batch(5, 0, 0, 1, "x"));
            Assert.Equal(ErrorCode.RequestTimedOut, answer.Error);
        }
    }

    [Fact]
    public async Task Produce_latency_at_the_default_window()
    {
        await using var _ = await OwnedAsync();
        var a = Start(1);
        var topic = Guid.NewGuid();
        // 8 producers (partitions), each with up to 5 batches in flight, for about 3 s; the first 0.5 s (first
        // connections, JIT) is not counted.
        var latencies = new List<double>();
        long records = 0;
        var clock = Stopwatch.StartNew();
        long warm = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 2;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(p => Task.Run(async () =>
        {
            int sequence = 0;
            var inFlight = new Queue<(long Start, Task<ProducedBatch> Ack)>();
            while (clock.Elapsed < TimeSpan.FromSeconds(3) || inFlight.Count > 0)
            {
                if (inFlight.Count < 5 && clock.Elapsed < TimeSpan.FromSeconds(3))
                {
                    inFlight.Enqueue((Stopwatch.GetTimestamp(), a.Windows.AppendAsync(topic, p, Batch(100 + p, 0, sequence, 10, "l"))));
                    sequence += 10;
                    continue;
                }
                var (start, ack) = inFlight.Dequeue();
                Assert.Equal(ErrorCode.None, (await ack).Error);
                if (start < warm) continue;
                lock (latencies) latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                Interlocked.Add(ref records, 10);
            }
        })));
        latencies.Sort();
        output.WriteLine($"records/s {records / (clock.Elapsed.TotalSeconds - 0.5):F0}; produce latency p50 {latencies[latencies.Count / 2]:F1} ms, p99 {latencies[(int)(latencies.Count * 0.99)]:F1} ms; windows {a.Windows.WindowsCommitted}");
    }

    private static async Task<List<(string Tag, int Sequence, ProducedBatch Ack)>> ProduceAsync(Broker broker, Guid topic, long producerId, string tag, int batches, int perBatch)
    {
        await Task.Yield();
        var answered = new List<(string, int, ProducedBatch)>();
        var inFlight = new Queue<(int Sequence, Task<ProducedBatch> Ack)>();
        for (int i = 0; i < batches || inFlight.Count > 0;)
        {
            if (i < batches && inFlight.Count < 5)
            {
                inFlight.Enqueue((i * perBatch, broker.Windows.AppendAsync(topic, 0, Batch(producerId, 0, i * perBatch, perBatch, tag))));
                i++;
                continue;
            }
            var (sequence, ack) = inFlight.Dequeue();
            answered.Add((tag, sequence, await ack));
        }
        return answered;
    }

    private static async Task<List<(long Offset, string Value)>> ReadAllAsync(ObjectBatchReader reader, Guid topic, int partition = 0)
    {
        var all = new List<(long, string)>();
        long offset = 0;
        for (int round = 0; round < 10_000; round++)
        {
            var fetched = await reader.ReadAsync(topic, partition, offset, 4096);
            if (fetched.Records.IsEmpty) break;
            Assert.Equal(RecordValidationResult.Valid, RecordBatchValidator.Validate(fetched.Records.Span, out _));
            foreach (var entry in new RecordBatchEnumerator(fetched.Records.Span))
            {
                var header = entry.Header;
                using var batch = DecodedRecordBatch.Open(entry.Bytes);
                foreach (var record in batch) all.Add((header.BaseOffset + record.OffsetDelta, Encoding.UTF8.GetString(record.Value)));
                offset = header.BaseOffset + header.LastOffsetDelta + 1;
            }
        }
        return all;
    }

    private Task<IAsyncDisposable> OwnedAsync() => Task.FromResult<IAsyncDisposable>(new Owned(_owned));

    private sealed class Owned(List<IAsyncDisposable> owned) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var o in owned) await o.DisposeAsync();
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
