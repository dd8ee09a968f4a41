using System.Diagnostics;
using Chronik.Coordination.Metadata;
using Chronik.Coordination.Topics;
using Chronik.Protocol.Records.Metadata;
using Chronik.Storage.Memory;
using Xunit.Abstractions;

namespace Chronik.Coordination.Tests.Metadata;

/// <summary>
/// Start-up replay of topic metadata from the local log (10,000 topics, 3 partitions and 1 config each), measured only
/// with CHRONIK_MEASURE_REPLAY=1: <c>CHRONIK_MEASURE_REPLAY=1 dotnet test -c Release --no-build
/// tests/Chronik.Coordination.Tests --filter FullyQualifiedName~TopicReplayMeasurement --logger "console;verbosity=detailed"</c>.
/// </summary>
public class TopicReplayMeasurement(ITestOutputHelper output)
{
    [Fact]
    public void Replay_of_ten_thousand_topics()
    {
        if (Environment.GetEnvironmentVariable("CHRONIK_MEASURE_REPLAY") != "1") return;
        using var dir = new MetadataDir();
        for (int b = 0; b < 10; b++)
        {
            var records = new List<MetadataRecord>();
            for (int t = b * 1000; t < (b + 1) * 1000; t++)
            {
                var id = Guid.NewGuid();
                records.Add(MetadataRecord.Of(new TopicRecord { Name = $"topic-{t}", TopicId = id }));
                for (int p = 0; p < 3; p++) records.Add(MetadataRecord.Of(new PartitionRecord { PartitionId = p, TopicId = id, Replicas = [1], Isr = [1], Leader = 1, LeaderEpoch = 0, PartitionEpoch = 0 }));
                records.Add(MetadataRecord.Of(new ConfigRecord { ResourceType = 2, ResourceName = $"topic-{t}", Name = "retention.ms", Value = "3600000" }));
            }
            dir.Store.Append(records);
        }
        dir.Store.Dispose();
        foreach (string from in new[] { "from the log", "from a snapshot" })
        {
            var sw = Stopwatch.StartNew();
            using var store = LocalMetadataStore.Open(dir.DataDir);
            var opened = sw.Elapsed;
            var topics = new TopicManager(new MemoryLogStore(), new TopicDefaults(), store, null);
            output.WriteLine($"{from}: open {opened.TotalMilliseconds:F0} ms, replay to 10,000 topics {sw.Elapsed.TotalMilliseconds:F0} ms ({topics.Topics.Count} topics, {topics.PartitionCount} partitions)");
            Assert.Equal(10_000, topics.Topics.Count);
            store.TakeSnapshot();
        }
    }
}
