using Chronik.Coordination.Groups;
using Chronik.Protocol.Records;
using Chronik.Protocol.Records.GroupCoordinator;
using H = Chronik.Coordination.Tests.ConsumerHarness;

namespace Chronik.Coordination.Tests;

/// <summary>
/// Upgrade in place: an offsets log written by the release before the format marker (its KIP-848 records in
/// Chronik's earlier layout) is read back intact, and everything written after is in Kafka's layouts.
/// Fixtures/consumer-groups-legacy-v1 was produced by that release: records.bin is every record its coordinator
/// returned for a scenario (group "g": a static member with the range assignor that left temporarily in the middle
/// of a revocation, a regex member, a member that left; group "solo": one stable member; an offset commit), as
/// int32 count then per record int32 key length, key, int32 value length (-1 for a tombstone), value;
/// describe.txt is how that release described both groups after the scenario.
/// </summary>
public class ConsumerGroupUpgradeTests
{
    private static string FixtureDir => Path.Combine(AppContext.BaseDirectory, "Fixtures", "consumer-groups-legacy-v1");

    private static List<CoordinatorRecord> ReadFixture()
    {
        using var r = new BinaryReader(File.OpenRead(Path.Combine(FixtureDir, "records.bin")));
        int n = r.ReadInt32();
        var records = new List<CoordinatorRecord>(n);
        for (int i = 0; i < n; i++)
        {
            var key = r.ReadBytes(r.ReadInt32());
            int len = r.ReadInt32();
            records.Add(new CoordinatorRecord(key, len < 0 ? null : r.ReadBytes(len)));
        }
        return records;
    }

    private static string Describe(H h, string group)
    {
        var d = h.G.Coordinator.DescribeConsumerGroup(group, false, h.Topics);
        var parts = d.Members.Select(m => $"{m.MemberId}@{m.MemberEpoch} {m.InstanceId} {m.RackId} {m.ClientId} {m.ClientHost} " +
            $"[{string.Join(",", m.SubscribedTopicNames)}] {m.SubscribedTopicRegex} " +
            $"a={string.Join(",", m.Assignment.TopicPartitions.SelectMany(t => t.Partitions.Select(p => t.TopicName + p)))} " +
            $"t={string.Join(",", m.TargetAssignment.TopicPartitions.SelectMany(t => t.Partitions.Select(p => t.TopicName + p)))}");
        return $"{d.ErrorCode} {d.GroupState} {d.GroupEpoch}/{d.AssignmentEpoch} {d.AssignorName} | {string.Join(" | ", parts)}";
    }

    private static H Upgraded(out List<CoordinatorRecord> legacy)
    {
        var h = new H();
        legacy = ReadFixture();
        h.G.Log.AddRange(legacy);
        Assert.False(h.G.RestartFromLogStart()); // no marker: the earlier layout, and a marker is appended
        return h;
    }

    [Fact]
    public void Groups_written_in_the_earlier_layout_come_back_as_that_release_described_them()
    {
        var h = Upgraded(out _);
        var expected = File.ReadAllLines(Path.Combine(FixtureDir, "describe.txt"));
        Assert.Equal(expected[0], Describe(h, "g"));
        Assert.Equal(expected[1], Describe(h, "solo"));
        Assert.Equal(42, h.G.Coordinator.CommittedOffsetOf("g", "orders", 0)!.Offset);
    }

    [Fact]
    public void The_layouts_differ_so_the_earlier_records_do_not_read_as_kafkas()
    {
        // Why the marker is needed: without it (replayed as Kafka's layout), the same records do not decode.
        var c = new GroupCoordinator(new GroupCoordinatorConfig());
        Assert.ThrowsAny<Exception>(() =>
        {
            foreach (var r in ReadFixture()) c.Replay(r.Key, r.Value, 0);
        });
    }

    [Fact]
    public void After_the_upgrade_new_records_are_in_kafkas_layout_and_later_restarts_read_both()
    {
        var h = Upgraded(out var legacy);
        string before = Describe(h, "g");

        // The static member's instance comes back under a new member id; r1 goes on heartbeating.
        var back = h.Beat("s2", 0, ["orders"], instance: "i1");
        Assert.Equal(0, back.ErrorCode);
        var written = h.LastRecords;
        Assert.NotEmpty(written);
        foreach (var r in written.Where(r => r.Value is not null)) AssertKafkaLayout(r);

        // The log now holds earlier-layout records, the marker, then Kafka-layout records: a restart reads all of it.
        string now = Describe(h, "g");
        Assert.True(h.G.RestartFromLogStart());
        Assert.Equal(now, Describe(h, "g"));
        Assert.NotEqual(before, now);
        Assert.Equal(legacy.Count + 1, h.G.Log.IndexOf(written[0]));

        // A snapshot starts with the marker and holds only Kafka-layout records.
        h.G.RestartFromSnapshot();
        Assert.Equal(OffsetsLogFormat.RecordType, CoordinatorRecordCodec.Type(h.G.Log[0].Key));
        foreach (var r in h.G.Log.Skip(1).Where(r => r.Value is not null)) AssertKafkaLayout(r);
        Assert.True(h.G.RestartFromLogStart());
        Assert.Equal(now, Describe(h, "g"));
    }

    [Fact]
    public void Records_replayed_from_the_earlier_layout_are_kept_in_kafkas_so_an_unchanged_group_writes_nothing()
    {
        var h = Upgraded(out _);
        var solo = Assert.Single(h.G.Coordinator.DescribeConsumerGroup("solo", false, h.Topics).Members);
        var r = h.Beat("m1", solo.MemberEpoch, owned: [0, 1, 2, 3], group: "solo");
        Assert.Equal(0, r.ErrorCode);
        Assert.Empty(h.LastRecords);
    }

    [Fact]
    public void A_log_of_this_release_read_as_if_it_might_be_earlier_is_read_in_kafkas_layout()
    {
        var h = new H();
        Assert.False(h.G.RestartFromLogStart()); // a new log gets its marker first
        h.Beat("m1", 0, ["orders"]);
        h.Beat("m1", 1, owned: []);
        string before = Describe(h, "g");
        Assert.True(h.G.RestartFromLogStart());
        Assert.Equal(before, Describe(h, "g"));
    }

    /// <summary>The value decodes with Kafka's generated codec, consuming every byte, and encodes back to the same bytes.</summary>
    private static void AssertKafkaLayout(CoordinatorRecord r)
    {
        short type = CoordinatorRecordCodec.Type(r.Key);
        var value = GroupCoordinatorRecordTypes.CreateValue(type)!;
        var decoded = CoordinatorRecordCodec.ReadValue(value, r.Value!, out short version);
        Assert.Equal(r.Value, CoordinatorRecordCodec.Value(decoded, version));
    }
}
