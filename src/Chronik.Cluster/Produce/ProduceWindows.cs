using Chronik.Cluster.Commit;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Records;
using Chronik.Storage.Objects;
using Chronik.Storage.Objects.Format;

namespace Chronik.Cluster.Produce;

/// <summary>
/// One broker's produce path over the object store and PostgreSQL. Batches from every connection and partition go
/// into the open commit window; the window is sealed by time or size (<see cref="ProduceWindowOptions"/>), written
/// once as one object under <see cref="ObjectKey.Unique"/> (node id, registration epoch, sequence) and committed
/// with <see cref="WindowCommitter"/>; then every batch's task completes with its offsets or error. While one window
/// is written and committed the next one gathers, so appends of one connection overlap. Objects are PUT as soon as
/// they are sealed; commits run one window after another in sealing order, so one producer's batches through this
/// broker reach PostgreSQL in the order they were appended (the sequence checks need that).
/// </summary>
public sealed class ProduceWindows : IAsyncDisposable
{
    private readonly IObjectStore _store;
    private readonly WindowCommitter _committer;
    private readonly int _nodeId;
    private readonly long _epoch;
    private readonly ProduceWindowOptions _options;
    private readonly Lock _gate = new();
    private OpenWindow? _open;
    private Task _tail = Task.CompletedTask;
    private long _sequence;
    private bool _disposed;

    public ProduceWindows(IObjectStore store, WindowCommitter committer, int nodeId, long registrationEpoch, ProduceWindowOptions? options = null)
    {
        _store = store;
        _committer = committer;
        _nodeId = nodeId;
        _epoch = registrationEpoch;
        _options = options ?? new ProduceWindowOptions();
    }

    /// <summary>Windows committed so far (for tests and metrics).</summary>
    public long WindowsCommitted => Interlocked.Read(ref _committed);
    private long _committed;

    /// <summary>
    /// Adds one whole, validated v2 batch of <paramref name="topicId"/>-<paramref name="partition"/> to the open window
    /// (its bytes are copied before this returns). Completes when the window is committed; never throws for a
    /// failed window (its batches are answered with an error: KAFKA_STORAGE_ERROR, or REQUEST_TIMED_OUT when
    /// PostgreSQL stayed unreachable and the outcome is unknown, both retried by Kafka clients).
    /// </summary>
    public Task<ProducedBatch> AppendAsync(Guid topicId, int partition, ReadOnlySpan<byte> batch, bool logAppendTime = false)
    {
        var header = RecordBatchHeader.Read(batch);
        var done = new TaskCompletionSource<ProducedBatch>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_open is null)
            {
                var opened = _open = new OpenWindow();
                _ = SealLaterAsync(opened);
            }
            _open.Add(topicId, partition, batch, header, logAppendTime, done);
            if (_open.Writer.DataBytes >= _options.BufferMaxBytes) Seal(_open);
        }
        return done.Task;
    }

    private async Task SealLaterAsync(OpenWindow window)
    {
        await Task.Delay(_options.CommitInterval).ConfigureAwait(false);
        lock (_gate) Seal(window);
    }

    /// <summary>Under the gate: closes <paramref name="window"/> if it is still the open one and queues its write and commit.</summary>
    private void Seal(OpenWindow window)
    {
        if (!ReferenceEquals(_open, window)) return;
        _open = null;
        if (window.Writer.BatchCount == 0)
        {
            // Nothing was added (the one Add threw): no object, no commit.
            window.Writer.Dispose();
            return;
        }
        string key = ObjectKey.Unique(_options.KeyPrefix, _nodeId, _epoch, _sequence++);
        _tail = WriteAndCommitAsync(window, key, _tail);
    }

    private async Task WriteAndCommitAsync(OpenWindow window, string key, Task previous)
    {
        await Task.Yield();
        CommitWindowObject? built = null;
        try
        {
            var createdAt = DateTimeOffset.UtcNow;
            built = window.Writer.Build(createdAt);
            Exception? putFailure = null;
            try
            {
                await _store.PutAsync(key, built.Data, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                putFailure = e;
            }
            await previous.ConfigureAwait(false);
            if (putFailure is not null)
            {
                window.Fail(ErrorCode.KafkaStorageError, "object store: " + putFailure.Message);
                return;
            }
            var result = await _committer.CommitAsync(window.ToCommitWindow(key, _nodeId, built.Size, createdAt, built.Index)).ConfigureAwait(false);
            window.Complete(result);
            Interlocked.Increment(ref _committed);
        }
        catch (WindowCommitUnavailableException e)
        {
            window.Fail(ErrorCode.RequestTimedOut, e.Message);
        }
        catch (Exception e)
        {
            window.Fail(ErrorCode.KafkaStorageError, e.Message);
        }
        finally
        {
            if (built is null) window.Writer.Dispose();
            else built.Dispose();
        }
    }

    /// <summary>Seals the open window and waits for every window to be answered.</summary>
    public async ValueTask DisposeAsync()
    {
        Task tail;
        lock (_gate)
        {
            _disposed = true;
            if (_open is not null) Seal(_open);
            tail = _tail;
        }
        await tail.ConfigureAwait(false);
    }

    private sealed record Pending(RecordBatchHeader Header, bool LogAppendTime, TaskCompletionSource<ProducedBatch> Done);

    /// <summary>The window being gathered: the object's writer and, per partition, its batches in the order added.</summary>
    private sealed class OpenWindow
    {
        private readonly Dictionary<(Guid Topic, int Partition), List<Pending>> _batches = [];

        public CommitWindowWriter Writer { get; } = new();

        public void Add(Guid topicId, int partition, ReadOnlySpan<byte> batch, RecordBatchHeader header, bool logAppendTime, TaskCompletionSource<ProducedBatch> done)
        {
            Writer.Add(topicId, partition, batch);
            if (!_batches.TryGetValue((topicId, partition), out var list)) _batches[(topicId, partition)] = list = [];
            list.Add(new Pending(header, logAppendTime, done));
        }

        /// <summary>The window as the commit sees it, in the object's partition order; each partition's batches lie back to back in its range.</summary>
        public CommitWindow ToCommitWindow(string key, int nodeId, long size, DateTimeOffset createdAt, IReadOnlyList<PartitionRange> index)
        {
            var partitions = new List<PartitionBatches>(index.Count);
            foreach (var range in index)
            {
                var pending = _batches[(range.TopicId, range.Partition)];
                var batches = new List<CommitBatch>(pending.Count);
                long position = range.Position;
                foreach (var p in pending)
                {
                    batches.Add(CommitBatch.From(p.Header, position, p.LogAppendTime));
                    position += p.Header.TotalSize;
                }
                partitions.Add(new PartitionBatches(range.TopicId, range.Partition, batches));
            }
            return new CommitWindow(key, nodeId, size, createdAt, partitions);
        }

        public void Complete(WindowCommitResult result)
        {
            foreach (var partition in result.Partitions)
            {
                var pending = _batches[(partition.TopicId, partition.Partition)];
                for (int i = 0; i < pending.Count; i++)
                {
                    var b = partition.Batches[i];
                    pending[i].Done.TrySetResult(new ProducedBatch(b.Error, b.BaseOffset, b.LastOffset,
                        pending[i].LogAppendTime ? result.LogAppendTime : -1, partition.LogStartOffset, b.Duplicate));
                }
            }
        }

        public void Fail(ErrorCode error, string message)
        {
            foreach (var list in _batches.Values)
                foreach (var p in list) p.Done.TrySetResult(new ProducedBatch(error, -1, -1, -1, -1, false, message));
        }
    }
}
