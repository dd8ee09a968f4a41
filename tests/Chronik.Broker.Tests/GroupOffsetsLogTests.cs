using Chronik.Broker.Services;
using Chronik.Coordination.Topics;
using Chronik.Protocol.Messages;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>The offsets log across restarts: replay, and compaction by snapshot when most records are dead.</summary>
public class GroupOffsetsLogTests
{
    [Fact]
    public async Task Restart_compacts_a_mostly_dead_offsets_log_and_keeps_the_latest_offsets()
    {
        await using var broker = new GroupTestBroker();
        await broker.StartAsync();
        broker.Services.GetRequiredService<TopicManager>().Create("compact-t", 3, 1, null, validateOnly: false);
        using (var c = new RawClient(broker.Port))
        {
            const int rounds = 120, perRound = 100;
            for (int round = 0; round < rounds; round++)
            {
                var ids = new List<int>();
                for (int i = 0; i < perRound; i++)
                {
                    long offset = round * perRound + i;
                    var commit = new OffsetCommitRequest { GroupId = "compact-g" };
                    commit.Topics.Add(new OffsetCommitRequest.OffsetCommitRequestTopic { Name = "compact-t", Partitions = [new() { PartitionIndex = (int)(offset % 3), CommittedOffset = offset }] });
                    ids.Add(c.Send(commit, 8));
                }
                foreach (int id in ids) Assert.Equal(0, c.Receive<OffsetCommitResponse>(id, 8, 1).Topics[0].Partitions[0].ErrorCode);
            }
        }
        var log = broker.Services.GetRequiredService<TopicManager>().GetLog(GroupCoordinatorService.OffsetsTopic, 0)!;
        Assert.Equal(0, log.LogStartOffset);
        long end = log.LogEndOffset;
        Assert.True(end >= 12_000);

        await broker.StopAsync();
        await broker.StartAsync();
        log = broker.Services.GetRequiredService<TopicManager>().GetLog(GroupCoordinatorService.OffsetsTopic, 0)!;
        Assert.True(log.LogStartOffset >= end, $"log start {log.LogStartOffset}, old end {end}");
        var coordinator = broker.Services.GetRequiredService<GroupCoordinatorService>();
        Assert.Equal([11_997L, 11_998L, 11_999L], Enumerable.Range(0, 3).Select(p => coordinator.Read(g => g.CommittedOffsetOf("compact-g", "compact-t", p)!.Offset)));

        // And once more: the snapshot alone rebuilds the same state.
        await broker.StopAsync();
        await broker.StartAsync();
        coordinator = broker.Services.GetRequiredService<GroupCoordinatorService>();
        Assert.Equal([11_997L, 11_998L, 11_999L], Enumerable.Range(0, 3).Select(p => coordinator.Read(g => g.CommittedOffsetOf("compact-g", "compact-t", p)!.Offset)));
    }
}
