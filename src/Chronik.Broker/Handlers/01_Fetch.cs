// Fetch (key 1), v4-18 (v18's replica high watermark, KIP-1166, is a follower's field: ignored).
// Stored batches are served as the bytes on disk (one pread into a pooled buffer, no re-encoding). The first
// batch is returned whole even above max_bytes (KIP-74). Long poll: answers when min_bytes are available,
// an error occurs or max_wait_ms passes, without holding a thread. Fetch sessions (KIP-227) from v7; topic
// ids from v13. read_committed (isolation_level 1) reads up to the last stable offset (the first offset of the
// earliest open transaction) and gets the aborted transactions overlapping the returned batches, from the
// partition's producer state (Coordination/Producers). Follower fetching (replica id >= 0) is not served: there are no followers.
// Quotas: with a consumer_byte_rate in effect the response is capped at the quota window (bound x 10 s) and its size
// counted; a violation answers empty with throttle_time_ms, takes the count back and mutes the connection, as Kafka.
// With an authorizer: READ on each topic, else TOPIC_AUTHORIZATION_FAILED for its partitions (before existence).
// max_bytes is capped at 55 MiB, Kafka's broker fetch.max.bytes default (not configurable here).
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Producers;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Records;
using Chronik.Storage;

namespace Chronik.Broker.Handlers;

/// <summary>Reads partition logs for consumers, with long polling and incremental fetch sessions.</summary>
public sealed class FetchHandler : ApiHandler<FetchRequest, FetchResponse>
{
    private readonly ClusterView _cluster;
    private readonly FetchSessionCache _sessions;
    private readonly ProducerStateRegistry _producers;
    private readonly ClientQuotas _quotas;
    private readonly IRequestAuthorizer _auth;

    public FetchHandler(ClusterView cluster, FetchSessionCache sessions, ProducerStateRegistry producers, ClientQuotas quotas, IRequestAuthorizer auth)
    {
        _quotas = quotas;
        _auth = auth;
        _cluster = cluster;
        _sessions = sessions;
        _producers = producers;
    }

    public override ApiKey Key => ApiKey.Fetch;
    public override short MinVersion => 4;
    public override short MaxVersion => 18;

    private sealed class Target
    {
        public required string Topic;
        public required Guid TopicId;
        public required int Partition;
        public required long FetchOffset;
        public required int MaxBytes;
        public SessionPartition? Session;
        public FetchResponse.PartitionData? Result;
    }

    protected override ValueTask<FetchResponse?> HandleAsync(RequestContext context, FetchRequest request, CancellationToken cancellationToken)
    {
        short v = context.ApiVersion;
        var (error, session, incremental) = OpenSession(v, request);
        if (error != ErrorCode.None) return new(new FetchResponse { ErrorCode = (short)error, SessionId = 0 });
        var targets = Targets(v, request, session, incremental);
        return ServeAsync(context, request, targets, session, incremental, cancellationToken);
    }

    private (ErrorCode, FetchSession?, bool Incremental) OpenSession(short v, FetchRequest r)
    {
        if (v < 7) return (ErrorCode.None, null, false);
        if (r.SessionId == 0)
        {
            if (r.SessionEpoch == -1) return (ErrorCode.None, null, false);
            if (r.SessionEpoch == 0) return (ErrorCode.None, _sessions.Create(), false);
            return (ErrorCode.InvalidFetchSessionEpoch, null, false);
        }
        if (r.SessionEpoch == -1)
        {
            _sessions.Remove(r.SessionId);
            return (ErrorCode.None, null, false);
        }
        if (r.SessionEpoch == 0)
        {
            _sessions.Remove(r.SessionId);
            return (ErrorCode.None, _sessions.Create(), false);
        }
        var s = _sessions.Get(r.SessionId);
        if (s is null) return (ErrorCode.FetchSessionIdNotFound, null, false);
        if (s.Epoch != r.SessionEpoch) return (ErrorCode.InvalidFetchSessionEpoch, null, false);
        return (ErrorCode.None, s, true);
    }

    private List<Target> Targets(short v, FetchRequest request, FetchSession? session, bool incremental)
    {
        var targets = new List<Target>();
        if (incremental)
        {
            foreach (var ft in request.ForgottenTopicsData)
            {
                string name = v >= 13 ? _cluster.Topics.Get(ft.TopicId)?.Name ?? "" : ft.Topic;
                foreach (int p in ft.Partitions) session!.Remove(name, v >= 13 ? ft.TopicId : Guid.Empty, p);
            }
        }
        foreach (var t in request.Topics)
        {
            string name = v >= 13 ? _cluster.Topics.Get(t.TopicId)?.Name ?? "" : t.Topic;
            Guid id = v >= 13 ? t.TopicId : Guid.Empty;
            foreach (var p in t.Partitions)
            {
                if (session is not null)
                {
                    var sp = session.Upsert(name, id, p.Partition);
                    sp.FetchOffset = p.FetchOffset;
                    sp.MaxBytes = p.PartitionMaxBytes;
                }
                else
                {
                    targets.Add(new Target { Topic = name, TopicId = id, Partition = p.Partition, FetchOffset = p.FetchOffset, MaxBytes = p.PartitionMaxBytes });
                }
            }
        }
        if (session is not null)
        {
            foreach (var sp in session.Partitions)
            {
                targets.Add(new Target { Topic = sp.Topic, TopicId = sp.TopicId, Partition = sp.Partition, FetchOffset = sp.FetchOffset, MaxBytes = sp.MaxBytes, Session = sp });
            }
        }
        return targets;
    }

    private async ValueTask<FetchResponse?> ServeAsync(RequestContext context, FetchRequest request, List<Target> targets,
        FetchSession? session, bool incremental, CancellationToken ct)
    {
        long deadline = Environment.TickCount64 + Math.Max(0, request.MaxWaitMs);
        var reads = new List<ReadResult>(targets.Count);
        bool quota = _quotas.Snapshot.HasConsumerQuotas;
        int maxBytes = MaxResponseBytes(request);
        // Kafka: never read more than the quota lets through in one window.
        if (quota) maxBytes = Math.Min(maxBytes, _quotas.Fetch.MaxValueInQuotaWindow(ClientQuotas.UserOf(context), context.ClientId));
        // Long poll, as Kafka's delayed fetch: a read that finds too little takes its partitions' readable signals and
        // reads again (so no advance between the two reads is missed), then sleeps until a signal fires, max_wait or
        // cancellation; appends to other partitions wake nobody here. A fetch answered by its first read takes none.
        List<Task>? wakes = null;
        while (true)
        {
            wakes?.Clear();
            var (total, anyError) = ReadAll(context, request, targets, reads, maxBytes, wakes);
            long left = deadline - Environment.TickCount64;
            if (total >= request.MinBytes || anyError || left <= 0 || targets.Count == 0) break;
            foreach (var r in reads) r.Dispose();
            reads.Clear();
            if (wakes is null)
            {
                wakes = new List<Task>(targets.Count + 1);
                continue;
            }
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wakes.Add(Task.Delay(TimeSpan.FromMilliseconds(left), cts.Token));
            await Task.WhenAny(wakes).ConfigureAwait(false);
            cts.Cancel();
            ct.ThrowIfCancellationRequested();
        }
        var response = Build(context.ApiVersion, targets, session, incremental);
        if (quota && Throttled(context, response, targets, session, incremental) is { } throttled)
        {
            foreach (var r in reads) r.Dispose();
            return throttled;
        }
        foreach (var r in reads) context.RegisterForDispose(r);
        return response;
    }

    /// <summary>
    /// Counts the response against consumer_byte_rate. On a violation Kafka takes the count back and answers with no
    /// data: an incremental session keeps its epoch step and resends the partitions next time; a new session is dropped.
    /// </summary>
    private FetchResponse? Throttled(RequestContext context, FetchResponse response, List<Target> targets, FetchSession? session, bool incremental)
    {
        string user = ClientQuotas.UserOf(context);
        int size = response.ComputeSize(context.ApiVersion);
        long now = _quotas.NowMs();
        int throttleMs = _quotas.Fetch.RecordAndGetThrottleTimeMs(user, context.ClientId, size, now);
        if (throttleMs <= 0) return null;
        _quotas.Fetch.Unrecord(user, context.ClientId, size, now);
        context.ThrottleChannel(throttleMs);
        if (session is not null && !incremental) _sessions.Remove(session.Id);
        foreach (var t in targets)
        {
            if (t.Session is { } sp) sp.LastHighWatermark = long.MinValue;
        }
        return new FetchResponse { ThrottleTimeMs = throttleMs, SessionId = incremental ? session!.Id : 0 };
    }

    private (long Total, bool AnyError) ReadAll(RequestContext context, FetchRequest request, List<Target> targets, List<ReadResult> reads, int maxBytes,
        List<Task>? wakes)
    {
        long total = 0;
        bool anyError = false;
        int budget = maxBytes;
        foreach (var t in targets)
        {
            var pd = new FetchResponse.PartitionData { PartitionIndex = t.Partition, Records = ReadOnlyMemory<byte>.Empty };
            pd.AbortedTransactions = request.IsolationLevel == 1 ? [] : null;
            t.Result = pd;
            var topic = t.TopicId != Guid.Empty ? _cluster.Topics.Get(t.TopicId) : _cluster.Topics.Get(t.Topic);
            string? authName = topic?.Name ?? (t.TopicId == Guid.Empty ? t.Topic : null);
            if (authName is not null && !_auth.Authorize(context, AclOperation.Read, AclResourceType.Topic, authName))
            {
                pd.ErrorCode = (short)ErrorCode.TopicAuthorizationFailed;
                pd.HighWatermark = pd.LastStableOffset = pd.LogStartOffset = -1;
                anyError = true;
                continue;
            }
            if (topic is null)
            {
                pd.ErrorCode = (short)(t.TopicId != Guid.Empty ? ErrorCode.UnknownTopicId : ErrorCode.UnknownTopicOrPartition);
                pd.HighWatermark = pd.LastStableOffset = pd.LogStartOffset = -1;
                anyError = true;
                continue;
            }
            var log = t.Partition >= 0 && t.Partition < topic.PartitionCount ? _cluster.Topics.GetLog(topic.Name, t.Partition) : null;
            if (log is null)
            {
                pd.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
                pd.HighWatermark = pd.LastStableOffset = pd.LogStartOffset = -1;
                anyError = true;
                continue;
            }
            wakes?.Add(log.Readable.Next); // before the offsets are read, so no advance after them is missed
            var producers = _producers.For(log);
            long hw = log.HighWatermark;
            long lso = Math.Min(producers.LastStableOffset, hw);
            bool committed = request.IsolationLevel == 1;
            int max = budget <= 0 && total > 0 ? 0 : Math.Min(t.MaxBytes, Math.Max(budget, 1));
            var read = max > 0 ? log.Read(t.FetchOffset, max, committed ? lso : hw) : default;
            pd.HighWatermark = hw;
            pd.LastStableOffset = lso;
            pd.LogStartOffset = log.LogStartOffset;
            if (max > 0 && read.Error is LogError.OffsetOutOfRange or LogError.StorageError)
            {
                // A segment that cannot be opened (descriptors exhausted) fails this partition only.
                pd.ErrorCode = (short)(read.Error == LogError.OffsetOutOfRange ? ErrorCode.OffsetOutOfRange : ErrorCode.KafkaStorageError);
                anyError = true;
                continue;
            }
            if (max > 0 && total > 0 && read.Length > budget)
            {
                // KIP-74 lets only the first non-empty partition exceed max_bytes; later ones get what fits.
                read.Dispose();
                continue;
            }
            if (max > 0)
            {
                reads.Add(read);
                pd.Records = read.Records;
                if (committed && read.Length > 0) pd.AbortedTransactions = Aborted(producers, t.FetchOffset, read.Records.Span);
                total += read.Length;
                budget -= read.Length;
            }
        }
        return (total, anyError);
    }

    /// <summary>The aborted transactions overlapping the returned batches (Kafka: up to the offset after the last one).</summary>
    private static List<FetchResponse.AbortedTransaction> Aborted(PartitionProducerState producers, long fetchOffset, ReadOnlySpan<byte> records)
    {
        long upper = fetchOffset;
        foreach (var batch in new RecordBatchEnumerator(records)) upper = batch.Header.LastOffset + 1;
        var found = new List<AbortedTransaction>();
        producers.CollectAborted(fetchOffset, upper, found);
        var list = new List<FetchResponse.AbortedTransaction>(found.Count);
        foreach (var a in found) list.Add(new FetchResponse.AbortedTransaction { ProducerId = a.ProducerId, FirstOffset = a.FirstOffset });
        return list;
    }

    // Kafka's broker-side fetch.max.bytes default (55 MiB) caps what one request may ask for; without it a max_bytes of
    // int.MaxValue read whole segments per partition into memory (found by the fuzzer).
    private const int BrokerFetchMaxBytes = 55 * 1024 * 1024;

    private static int MaxResponseBytes(FetchRequest request) => request.MaxBytes <= 0 ? BrokerFetchMaxBytes : Math.Min(request.MaxBytes, BrokerFetchMaxBytes);

    private static FetchResponse Build(short v, List<Target> targets, FetchSession? session, bool incremental)
    {
        var response = new FetchResponse { SessionId = session?.Id ?? 0 };
        FetchResponse.FetchableTopicResponse? current = null;
        foreach (var t in targets)
        {
            var pd = t.Result!;
            if (t.Session is { } sp)
            {
                bool changed = pd.ErrorCode != 0 || pd.Records is { Length: > 0 } || sp.LastHighWatermark != pd.HighWatermark || sp.LastLogStartOffset != pd.LogStartOffset;
                sp.LastHighWatermark = pd.HighWatermark;
                sp.LastLogStartOffset = pd.LogStartOffset;
                if (incremental && !changed) continue;
            }
            if (current is null || current.Topic != t.Topic || current.TopicId != t.TopicId)
            {
                current = new FetchResponse.FetchableTopicResponse { Topic = t.Topic, TopicId = t.TopicId };
                response.Responses.Add(current);
            }
            current.Partitions.Add(pd);
        }
        if (session is not null && incremental) session.Epoch = session.Epoch == int.MaxValue ? 1 : session.Epoch + 1;
        return response;
    }
}
