using Chronik.Broker.Services;
using Chronik.Coordination.Groups;
using Chronik.Coordination.Topics;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Records;
using Chronik.Protocol.Records.GroupCoordinator;
using Chronik.Storage;
using Chronik.Storage.Disk;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>
/// Upgrade in place of <c>__consumer_offsets</c> on a real data directory: a log holding the KIP-848 records of the
/// release before the format marker (the Coordination fixture consumer-groups-legacy-v1, appended as that release's
/// coordinator service appended them) is replayed in its earlier layout; the broker then appends the marker, and
/// every record it writes after is in Kafka's layouts; restarts read the mixed log.
/// </summary>
public class GroupOffsetsLogUpgradeTests
{
    private static readonly Guid FixtureTopic = new("00000000-0000-0000-0000-00000000000a");
    private static readonly List<ConsumerTopic> Topics = [new("orders", FixtureTopic, 4, false)];

    private static string FixtureDir => Path.Combine(AppContext.BaseDirectory, "Fixtures", "consumer-groups-legacy-v1");

    private static List<(byte[] Key, byte[]? Value)> ReadFixture()
    {
        using var r = new BinaryReader(File.OpenRead(Path.Combine(FixtureDir, "records.bin")));
        int n = r.ReadInt32();
        var records = new List<(byte[], byte[]?)>(n);
        for (int i = 0; i < n; i++)
        {
            var key = r.ReadBytes(r.ReadInt32());
            int len = r.ReadInt32();
            records.Add((key, len < 0 ? null : r.ReadBytes(len)));
        }
        return records;
    }

    /// <summary>Every record of the offsets log from its start: offset order, key and value.</summary>
    private static List<(byte[] Key, byte[]? Value)> ReadLog(IPartitionLog log)
    {
        var records = new List<(byte[], byte[]?)>();
        KeyedLogReplay.ReadAll(log, (k, v) => records.Add((k, v)));
        return records;
    }

    /// <summary>The member id of a KIP-848 member record key (int16 type, int16-length group id, int16-length member id).</summary>
    private static string ConsumerGroupRecordsKeyMember(byte[] key)
    {
        var r = new Protocol.Wire.KafkaReader(key);
        r.ReadInt16();
        r.ReadString(false, false);
        return r.Remaining > 0 ? r.ReadString(false, false)! : "";
    }

    private static string Describe(GroupTestBroker broker, string group)
    {
        var d = broker.Services.GetRequiredService<GroupCoordinatorService>().Read(c => c.DescribeConsumerGroup(group, false, Topics));
        return $"{d.ErrorCode} {d.GroupState} {d.GroupEpoch}/{d.AssignmentEpoch} {d.AssignorName} | " +
            string.Join(" | ", d.Members.Select(m => $"{m.MemberId}@{m.MemberEpoch} {m.InstanceId} [{string.Join(",", m.SubscribedTopicNames)}] {m.SubscribedTopicRegex} " +
                $"a={string.Join(",", m.Assignment.TopicPartitions.SelectMany(t => t.Partitions))} t={string.Join(",", m.TargetAssignment.TopicPartitions.SelectMany(t => t.Partitions))}"));
    }

    [Fact]
    public async Task An_offsets_log_of_the_earlier_release_is_read_and_continued_in_kafkas_layout()
    {
        await using var broker = new GroupTestBroker();
        await broker.StartAsync();
        var log = broker.Services.GetRequiredService<TopicManager>().GetLog(GroupCoordinatorService.OffsetsTopic, 0)!;
        var first = Assert.Single(ReadLog(log));
        Assert.Equal(OffsetsLogFormat.RecordType, CoordinatorRecordCodec.Type(first.Key)); // a new log starts with the marker
        await broker.StopAsync();

        // Make it a log of the earlier release: its start moved past the marker, then that release's records.
        var legacy = ReadFixture();
        await using (var store = FileLogStore.Open(broker.DataDir))
        {
            var offline = store.Get(GroupCoordinatorService.OffsetsTopic, 0)!;
            offline.DeleteRecordsBefore(offline.HighWatermark);
            using var builder = new RecordBatchBuilder();
            foreach (var (key, value) in legacy) builder.Append(1_700_000_000_000, key, false, value, value is null, default);
            Assert.Equal(LogError.None, (await offline.AppendAsync(builder.ToArray(), AppendOptions.Default)).Error);
            await store.FlushAllAsync();
        }

        await broker.StartAsync();
        string g = Describe(broker, "g");
        Assert.StartsWith("0 Reconciling 4/4 range | r1@2  [] ord.* a= t=0,1 | s1@1 i1 [orders]  a=3 t=2,3", g);
        Assert.StartsWith("0 Stable 1/1 uniform | m1@1  [orders]", Describe(broker, "solo"));
        var groups = broker.Services.GetRequiredService<GroupCoordinatorService>();
        Assert.Equal(42, groups.Read(c => c.CommittedOffsetOf("g", "orders", 0))!.Offset);
        log = broker.Services.GetRequiredService<TopicManager>().GetLog(GroupCoordinatorService.OffsetsTopic, 0)!;
        var afterLoad = ReadLog(log);
        Assert.Equal(legacy.Count + 1, afterLoad.Count);
        Assert.Equal(OffsetsLogFormat.RecordType, CoordinatorRecordCodec.Type(afterLoad[^1].Key));

        // The static member's instance comes back under a new member id: its records are written in Kafka's layouts.
        var (response, persisted) = await groups.ExecuteAsync((c, now) => c.ConsumerGroupHeartbeat(new ConsumerGroupHeartbeatRequest
        {
            GroupId = "g", MemberId = "s2", MemberEpoch = 0, InstanceId = "i1", RebalanceTimeoutMs = 30_000,
            SubscribedTopicNames = ["orders"], TopicPartitions = [],
        }, new ClientInfo("c", "/127.0.0.1", 1), Topics, now));
        Assert.True(persisted);
        Assert.Equal(0, response.ErrorCode);
        string continued = Describe(broker, "g");
        var written = ReadLog(log).Skip(afterLoad.Count).ToList();
        Assert.NotEmpty(written);
        // s1's records are tombstoned by the takeover, as null values (not empty ones, which would not replay).
        Assert.Contains(written, r => r.Value is null && ConsumerGroupRecordsKeyMember(r.Key) == "s1");
        foreach (var (key, value) in written.Where(r => r.Value is not null))
        {
            var decoded = CoordinatorRecordCodec.ReadValue(GroupCoordinatorRecordTypes.CreateValue(CoordinatorRecordCodec.Type(key))!, value!, out short version);
            Assert.Equal(value, CoordinatorRecordCodec.Value(decoded, version));
        }

        // A restart reads the earlier layout up to the marker and Kafka's after it; no second marker is written.
        await broker.StopAsync();
        await broker.StartAsync();
        Assert.Equal(continued, Describe(broker, "g"));
        log = broker.Services.GetRequiredService<TopicManager>().GetLog(GroupCoordinatorService.OffsetsTopic, 0)!;
        Assert.Equal(afterLoad.Count + written.Count, ReadLog(log).Count);
    }
}
