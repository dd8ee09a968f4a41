using Chronik.Coordination.Configs;
using Chronik.Coordination.Topics;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Records;
using Chronik.Protocol.Wire;
using Chronik.Storage;
using Microsoft.Extensions.DependencyInjection;
using KafkaError = Chronik.Protocol.Messages.ErrorCode;

namespace Chronik.Broker.Tests;

/// <summary>Raw-frame helpers for share group tests (KIP-932): features, topics, records, heartbeats, fetches and acks.</summary>
internal static class ShareGroupTestClient
{
    public const sbyte Gap = 0, Accept = 1, Release = 2, Reject = 3, Renew = 4;

    public static T Call<T>(int port, IKafkaMessage request, short version) where T : IKafkaMessage, new()
    {
        using var c = new RawClient(port);
        int corr = c.Send(request, version);
        return c.Receive<T>(corr, version, ApiKeys.ResponseHeaderVersion(request.ApiKey, version));
    }

    public static short SetShareVersion(int port, short level) =>
        Call<UpdateFeaturesResponse>(port, new UpdateFeaturesRequest
        {
            FeatureUpdates = [new UpdateFeaturesRequest.FeatureUpdateKey { Feature = "share.version", MaxVersionLevel = level, UpgradeType = (sbyte)(level == 0 ? 2 : 1) }],
        }, 1).ErrorCode;

    /// <summary>Creates the topic and appends <paramref name="count"/> records ("v0".."vN") in batches of <paramref name="perBatch"/>; returns its id.</summary>
    public static async Task<Guid> CreateTopicWithRecords(GroupTestBroker broker, string name, int count, int perBatch = 5, int partitions = 1)
    {
        var topics = broker.Services.GetRequiredService<TopicManager>();
        var created = topics.Create(name, partitions, 1, null, false);
        if (created.Error != KafkaError.None) throw new InvalidOperationException(created.Error.ToString());
        await Produce(broker, name, 0, count, perBatch);
        return topics.Get(name)!.Id;
    }

    public static async Task Produce(GroupTestBroker broker, string name, int from, int count, int perBatch = 5, int partition = 0)
    {
        var log = broker.Services.GetRequiredService<TopicManager>().GetLog(name, partition)!;
        for (int i = 0; i < count; i += perBatch)
        {
            using var b = new RecordBatchBuilder();
            for (int k = i; k < Math.Min(count, i + perBatch); k++) b.Append(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, (ReadOnlyMemory<byte>?)System.Text.Encoding.UTF8.GetBytes("v" + (from + k)));
            var r = await log.AppendAsync(b.ToArray(), AppendOptions.Default);
            if (r.Error != LogError.None) throw new InvalidOperationException(r.Error.ToString());
        }
    }

    public static void SetGroupConfig(GroupTestBroker broker, string group, string key, string value)
    {
        var (error, message) = broker.Services.GetRequiredService<GroupConfigStore>().Alter(group, c =>
        {
            c[key] = value;
            return (KafkaError.None, null);
        }, validateOnly: false);
        if (error != KafkaError.None) throw new InvalidOperationException($"{error} {message}");
    }

    public static ShareGroupHeartbeatResponse Heartbeat(int port, string group, string member, int epoch, params string[] topics) =>
        Call<ShareGroupHeartbeatResponse>(port, new ShareGroupHeartbeatRequest
        {
            GroupId = group, MemberId = member, MemberEpoch = epoch, SubscribedTopicNames = topics.Length == 0 ? null : [.. topics],
        }, 1);

    public static ShareFetchRequest Fetch(string group, string member, int epoch, Guid topic, int maxRecords = 100, int maxWaitMs = 0,
        params (long First, long Last, sbyte Type)[] acks)
    {
        var p = new ShareFetchRequest.FetchPartition { PartitionIndex = 0 };
        foreach (var (f, l, t) in acks) p.AcknowledgementBatches.Add(new ShareFetchRequest.AcknowledgementBatch { FirstOffset = f, LastOffset = l, AcknowledgeTypes = [t] });
        return new ShareFetchRequest
        {
            GroupId = group, MemberId = member, ShareSessionEpoch = epoch, MaxWaitMs = maxWaitMs, MinBytes = 1, MaxBytes = 1 << 20,
            MaxRecords = maxRecords, BatchSize = maxRecords,
            Topics = [new ShareFetchRequest.FetchTopic { TopicId = topic, Partitions = [p] }],
        };
    }

    public static ShareFetchResponse ShareFetch(int port, ShareFetchRequest request, short version = 2) => Call<ShareFetchResponse>(port, request, version);

    public static ShareAcknowledgeResponse ShareAcknowledge(int port, string group, string member, int epoch, Guid topic, short version = 2,
        params (long First, long Last, sbyte Type)[] acks)
    {
        var p = new ShareAcknowledgeRequest.AcknowledgePartition { PartitionIndex = 0 };
        foreach (var (f, l, t) in acks) p.AcknowledgementBatches.Add(new ShareAcknowledgeRequest.AcknowledgementBatch { FirstOffset = f, LastOffset = l, AcknowledgeTypes = [t] });
        return Call<ShareAcknowledgeResponse>(port, new ShareAcknowledgeRequest
        {
            GroupId = group, MemberId = member, ShareSessionEpoch = epoch,
            Topics = [new ShareAcknowledgeRequest.AcknowledgeTopic { TopicId = topic, Partitions = [p] }],
        }, version);
    }

    /// <summary>The acquired (first, last, delivery count) ranges of partition 0, or none.</summary>
    public static List<(long, long, short)> Acquired(ShareFetchResponse r) =>
        [.. r.Responses.SelectMany(t => t.Partitions).SelectMany(p => p.AcquiredRecords).Select(a => (a.FirstOffset, a.LastOffset, a.DeliveryCount))];

    /// <summary>The values of the acquired records in the response's batches (the client's view).</summary>
    public static List<string> Values(ShareFetchResponse r)
    {
        var values = new List<string>();
        foreach (var p in r.Responses.SelectMany(t => t.Partitions))
        {
            if (p.Records is not { Length: > 0 } records) continue;
            foreach (var entry in new RecordBatchEnumerator(records.Span))
            {
                using var batch = DecodedRecordBatch.Open(entry.Bytes);
                foreach (var rec in batch)
                {
                    long offset = entry.Header.BaseOffset + rec.OffsetDelta;
                    if (p.AcquiredRecords.Any(a => offset >= a.FirstOffset && offset <= a.LastOffset)) values.Add(System.Text.Encoding.UTF8.GetString(rec.Value));
                }
            }
        }
        return values;
    }
}
