using System.Diagnostics;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Configs;
using Chronik.Coordination.Features;
using Chronik.Coordination.Metadata;
using Chronik.Coordination.Producers;
using Chronik.Coordination.Quotas;
using Chronik.Coordination.Security;
using Chronik.Coordination.Topics;
using Chronik.Protocol.Records.Metadata;
using Chronik.Storage.Memory;
using Xunit.Abstractions;

namespace Chronik.Coordination.Tests.Metadata;

/// <summary>
/// Start-up replay of topic metadata from the local log (10,000 topics, 3 partitions and 1 config each; and the broker's
/// start-up order of every holder over 10,000 one-partition topics), measured only with CHRONIK_MEASURE_REPLAY=1: <c>CHRONIK_MEASURE_REPLAY=1 dotnet test -c Release --no-build
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

    [Fact]
    public void Every_holder_registers_over_ten_thousand_topics_as_the_broker_starts()
    {
        if (Environment.GetEnvironmentVariable("CHRONIK_MEASURE_REPLAY") != "1") return;
        using var dir = new MetadataDir();
        var writer = new TopicManager(new MemoryLogStore(), new TopicDefaults(), dir.Store, null);
        for (int t = 0; t < 10_000; t++) Assert.Equal(Protocol.Messages.ErrorCode.None, writer.Create($"replay-{t}", 1, 1, null, false).Error);
        dir.Store.Dispose();
        for (int run = 0; run < 3; run++)
        {
            var sw = Stopwatch.StartNew();
            var phases = new List<string>();
            void Phase(string name)
            {
                phases.Add($"{name} {sw.Elapsed.TotalMilliseconds:F0}");
                sw.Restart();
            }
            using var store = LocalMetadataStore.Open(dir.DataDir);
            Phase("open");
            _ = new TopicManager(new MemoryLogStore(), new TopicDefaults(), store, null);
            Phase("topics");
            _ = new AclStore(store);
            Phase("acls");
            _ = new ConfigResourceTable(store, 4);
            Phase("broker configs");
            _ = new GroupConfigStore(new GroupConfigBounds(), store);
            Phase("group configs");
            _ = new FinalizedFeatures(store);
            Phase("features");
            _ = new ScramCredentialStore(store);
            Phase("scram");
            _ = new ClientQuotaStore(store);
            Phase("quotas");
            _ = new ProducerIdManager(store);
            Phase("producer ids");
            output.WriteLine($"run {run}: " + string.Join(", ", phases) + " ms");
        }
    }
}
