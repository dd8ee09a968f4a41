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
    public async Task A_long_poll_on_the_offsets_topic_wakes_when_a_commit_is_durable()
    {
        await using var broker = new GroupTestBroker();
        await broker.StartAsync();
        broker.Services.GetRequiredService<TopicManager>().Create("wake-t", 1, 1, null, validateOnly: false);
        var log = broker.Services.GetRequiredService<TopicManager>().GetLog(GroupCoordinatorService.OffsetsTopic, 0)!;
        using var consumer = new RawClient(broker.Port);
        using var committer = new RawClient(broker.Port);
        var fetch = new FetchRequest
        {
            MaxWaitMs = 30_000, MinBytes = 1, MaxBytes = 1 << 20, SessionEpoch = -1,
            Topics = [new() { Topic = GroupCoordinatorService.OffsetsTopic, Partitions = [new() { Partition = 0, FetchOffset = log.LogEndOffset, PartitionMaxBytes = 1 << 20, LogStartOffset = -1 }] }],
        };
        var started = System.Diagnostics.Stopwatch.StartNew();
        int waiting = consumer.Send(fetch, 12);
        await Task.Delay(200); // the fetch is parked in its long poll

        var commit = new OffsetCommitRequest { GroupId = "wake-g" };
        commit.Topics.Add(new OffsetCommitRequest.OffsetCommitRequestTopic { Name = "wake-t", Partitions = [new() { PartitionIndex = 0, CommittedOffset = 7 }] });
        Assert.Equal(0, committer.Receive<OffsetCommitResponse>(committer.Send(commit, 8), 8, 1).Topics[0].Partitions[0].ErrorCode);

        var response = consumer.Receive<FetchResponse>(waiting, 12, 1);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(15), $"the fetch waited {started.Elapsed} for an offset commit");
        var partition = response.Responses.Single().Partitions.Single();
        Assert.Equal(0, partition.ErrorCode);
        Assert.True(partition.Records is { Length: > 0 }, "no records");
    }

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
