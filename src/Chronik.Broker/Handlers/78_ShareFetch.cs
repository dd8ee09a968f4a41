// ShareFetch (key 78), v1-2: share consumers fetch records they acquire (KIP-932). Share sessions: epoch 0 opens the
// member's session (acknowledgements then are INVALID_REQUEST), a positive epoch must be the session's next one
// (SHARE_SESSION_NOT_FOUND / INVALID_SHARE_SESSION_EPOCH), -1 applies the acknowledgements, closes the session and
// releases what the member still holds. Piggybacked acknowledgements (ACCEPT, RELEASE, REJECT, GAP; v2 RENEW) are
// applied first, per partition (AcknowledgeErrorCode). Then records are acquired for share.record.lock.duration.ms
// (AcquisitionLockTimeoutMs), MaxRecords over the whole request (v2 ShareAcquireMode: batch-optimized whole batches or
// the exact record limit), as whole stored batches up to the last acquired one, each range with its delivery count.
// v2 IsRenewAck: acknowledgements only, no acquisition. Long poll as Fetch: answers when min_bytes of acquired batches
// are there, an error occurs or max_wait_ms passes, woken by appends to its partitions and by records released.
// A full (epoch 0) fetch answers every session partition; later ones only partitions with records, errors or acks.
// Every state change is durable in __share_group_state before the answer (Services/ShareGroupService).
// With share.version finalized at 0: not advertised, and UNSUPPORTED_VERSION.
// With an authorizer: READ on the group (top-level GROUP_AUTHORIZATION_FAILED) and on each topic (TOPIC_AUTHORIZATION_FAILED).
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Features;
using Chronik.Coordination.Groups;
using Chronik.Coordination.Producers;
using Chronik.Coordination.ShareGroups;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Serves share fetches: acknowledgements, then acquisition with long polling.</summary>
public sealed class ShareFetchHandler : ApiHandler<ShareFetchRequest, ShareFetchResponse>, IFeatureGatedHandler
{
    // Kafka's broker-side fetch.max.bytes default.
    private const int BrokerFetchMaxBytes = 55 * 1024 * 1024;
    // What a request without a record limit acquires at most (Kafka's share consumer default max.poll.records).
    private const int DefaultMaxRecords = 500;

    private readonly ShareGroupService _shares;
    private readonly ClusterView _cluster;
    private readonly ProducerStateRegistry _producers;
    private readonly IRequestAuthorizer _auth;
    private readonly FinalizedFeatures _features;

    public ShareFetchHandler(ShareGroupService shares, ClusterView cluster, ProducerStateRegistry producers, IRequestAuthorizer auth, FinalizedFeatures features)
    {
        _shares = shares;
        _cluster = cluster;
        _producers = producers;
        _auth = auth;
        _features = features;
    }

    public override ApiKey Key => ApiKey.ShareFetch;
    public override short MinVersion => 1;
    public override short MaxVersion => 2;

    public bool IsEnabled(FinalizedFeatureSet features) => features.LevelOf(FeatureCatalog.ShareVersion) >= 1;

    private sealed class Slot
    {
        public required ShareTarget Target;
        public ShareFetchResponse.PartitionData? Data;
        public bool Fetched;
        public bool Acknowledged;
    }

    protected override async ValueTask<ShareFetchResponse?> HandleAsync(RequestContext context, ShareFetchRequest request, CancellationToken cancellationToken)
    {
        if (!_features.ShareGroupsEnabled) return Error(ErrorCode.UnsupportedVersion, null);
        if (ShareRequests.Check(context, _auth, request.GroupId, request.MemberId) is { } bad) return Error(bad.Error, bad.Message);
        string groupId = request.GroupId!, memberId = request.MemberId!;
        int epoch = request.ShareSessionEpoch;
        bool hasAcks = request.Topics.Any(t => t.Partitions.Any(p => p.AcknowledgementBatches.Count > 0));
        if (epoch == 0 && hasAcks) return Error(ErrorCode.InvalidRequest, "Acknowledge data present in the initial share fetch request.");
        if (epoch < -1) return Error(ShareErrorCodes.InvalidShareSessionEpoch, null);
        var (session, sessionError) = _shares.Session(groupId, memberId, epoch);
        if (session is null) return Error(sessionError, null);
        try
        {
            return await ServeAsync(context, request, groupId, memberId, epoch, session, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _shares.EndRequest(session);
        }
    }

    private async Task<ShareFetchResponse> ServeAsync(RequestContext context, ShareFetchRequest request, string groupId, string memberId, int epoch, ShareSession session,
        CancellationToken cancellationToken)
    {

        var slots = new Dictionary<TopicIdPartition, Slot>();
        var add = new List<TopicIdPartition>();
        var persisted = new List<Task<bool>>();
        short v = context.ApiVersion;
        foreach (var t in request.Topics)
        {
            foreach (var p in t.Partitions)
            {
                var target = ShareRequests.Resolve(context, _auth, _cluster.Topics, t.TopicId, p.PartitionIndex);
                var slot = SlotFor(slots, target);
                // Only partitions that exist join the session: unknown ids would pile up in it.
                if (target.Error != ErrorCode.UnknownTopicId && target.Error != ErrorCode.UnknownTopicOrPartition) add.Add(target.Partition);
                if (p.AcknowledgementBatches.Count == 0) continue;
                slot.Acknowledged = true;
                if (target.Error != ErrorCode.None)
                {
                    slot.Data!.AcknowledgeErrorCode = (short)target.Error;
                    continue;
                }
                var (error, message, task) = ShareRequests.Acknowledge(_shares, v, groupId, memberId, target.Partition,
                    [.. p.AcknowledgementBatches.Select(b => (b.FirstOffset, b.LastOffset, b.AcknowledgeTypes))]);
                slot.Data!.AcknowledgeErrorCode = (short)error;
                slot.Data.AcknowledgeErrorMessage = message;
                persisted.Add(task);
            }
        }
        var forget = request.ForgottenTopicsData.SelectMany(f => f.Partitions.Select(p => new TopicIdPartition(f.TopicId, p)));
        var settings = _shares.SettingsOf(groupId);
        var response = new ShareFetchResponse { AcquisitionLockTimeoutMs = settings.Partition.RecordLockDurationMs };
        if (epoch == -1)
        {
            persisted.Add(_shares.CloseSession(session));
        }
        else
        {
            var partitions = _shares.UpdateSession(session, add, forget, nextEpoch: epoch != 0);
            if (!(v >= 2 && request.IsRenewAck))
            {
                foreach (var tp in partitions)
                {
                    if (!slots.ContainsKey(tp)) SlotFor(slots, ShareRequests.Resolve(context, _auth, _cluster.Topics, tp.TopicId, tp.Partition));
                }
                await FetchAsync(context, request, groupId, memberId, partitions, slots, persisted, cancellationToken).ConfigureAwait(false);
            }
        }
        foreach (var task in persisted) await task.ConfigureAwait(false);
        Build(response, full: epoch == 0, slots);
        return response;
    }

    private Slot SlotFor(Dictionary<TopicIdPartition, Slot> slots, ShareTarget target)
    {
        if (slots.TryGetValue(target.Partition, out var slot)) return slot;
        slot = new Slot
        {
            Target = target,
            Data = new ShareFetchResponse.PartitionData
            {
                PartitionIndex = target.Partition.Partition, ErrorCode = (short)target.Error, Records = ReadOnlyMemory<byte>.Empty,
                CurrentLeader = new ShareFetchResponse.LeaderIdAndEpoch { LeaderId = _cluster.NodeId, LeaderEpoch = ClusterView.LeaderEpoch },
            },
        };
        slots[target.Partition] = slot;
        return slot;
    }

    private async Task FetchAsync(RequestContext context, ShareFetchRequest request, string groupId, string memberId, List<TopicIdPartition> order,
        Dictionary<TopicIdPartition, Slot> slots, List<Task<bool>> persisted, CancellationToken ct)
    {
        long deadline = Environment.TickCount64 + Math.Max(0, request.MaxWaitMs);
        int recordsLeft = request.MaxRecords > 0 ? request.MaxRecords : DefaultMaxRecords;
        int bytesLeft = request.MaxBytes <= 0 ? BrokerFetchMaxBytes : Math.Min(request.MaxBytes, BrokerFetchMaxBytes);
        var mode = context.ApiVersion >= 2 && request.ShareAcquireMode == (sbyte)ShareAcquireMode.RecordLimit ? ShareAcquireMode.RecordLimit : ShareAcquireMode.BatchOptimized;
        long total = 0;
        var wakes = new List<Task>();
        while (true)
        {
            wakes.Clear();
            wakes.Add(_shares.Changed); // before reading, so a release after the reads is not missed
            bool anyError = false;
            foreach (var tp in order)
            {
                var slot = slots[tp];
                if (slot.Target.Error != ErrorCode.None) anyError = true;
                if (slot.Fetched || slot.Target.Log is not { } log) continue;
                if (recordsLeft <= 0 || bytesLeft <= 0) break;
                wakes.Add(log.Readable.Next);
                var f = _shares.Acquire(groupId, memberId, tp, log, _producers.For(log), recordsLeft, bytesLeft, mode);
                persisted.Add(f.Persisted);
                if (f.Error != ErrorCode.None)
                {
                    slot.Data!.ErrorCode = (short)f.Error;
                    anyError = true;
                    continue;
                }
                if (f.Count == 0) continue;
                context.RegisterForDispose(f.Read);
                slot.Fetched = true;
                slot.Data!.Records = f.Read.Records[..f.Length];
                foreach (var a in f.Acquired)
                {
                    slot.Data.AcquiredRecords.Add(new ShareFetchResponse.AcquiredRecords { FirstOffset = a.FirstOffset, LastOffset = a.LastOffset, DeliveryCount = a.DeliveryCount });
                }
                recordsLeft -= f.Count;
                bytesLeft -= f.Length;
                total += f.Length;
            }
            long left = deadline - Environment.TickCount64;
            if (total >= Math.Max(1, request.MinBytes) || recordsLeft <= 0 || bytesLeft <= 0 || anyError || left <= 0 || order.Count == 0) return;
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wakes.Add(Task.Delay(TimeSpan.FromMilliseconds(left), cts.Token));
            await Task.WhenAny(wakes).ConfigureAwait(false);
            cts.Cancel();
            ct.ThrowIfCancellationRequested();
        }
    }

    /// <summary>The response: every session partition for a full fetch, else those with records, errors or acknowledgements.</summary>
    private static void Build(ShareFetchResponse response, bool full, Dictionary<TopicIdPartition, Slot> slots)
    {
        ShareFetchResponse.ShareFetchableTopicResponse? current = null;
        foreach (var (tp, slot) in slots)
        {
            var d = slot.Data!;
            bool news = d.ErrorCode != 0 || slot.Acknowledged || slot.Fetched;
            if (!news && !full) continue;
            if (current is null || current.TopicId != tp.TopicId)
            {
                current = response.Responses.Find(r => r.TopicId == tp.TopicId);
                if (current is null)
                {
                    current = new ShareFetchResponse.ShareFetchableTopicResponse { TopicId = tp.TopicId };
                    response.Responses.Add(current);
                }
            }
            current.Partitions.Add(d);
        }
    }

    private static ShareFetchResponse Error(ErrorCode error, string? message) => new() { ErrorCode = (short)error, ErrorMessage = message };
}
