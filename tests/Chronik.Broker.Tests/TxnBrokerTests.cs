using Confluent.Kafka;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>Transactional producers end to end with Confluent.Kafka: commit, abort, read_committed and read_uncommitted.</summary>
public class TxnBrokerTests
{
    /// <summary>Reads partition 0 of a topic from the beginning until <paramref name="expected"/> values arrived or the log is exhausted.</summary>
    internal static List<string> ReadAll(string bootstrap, string topic, IsolationLevel isolation, int expected, int partition = 0)
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap, GroupId = "reader-" + Guid.NewGuid().ToString("N"), EnableAutoCommit = false,
            IsolationLevel = isolation, EnablePartitionEof = true,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, partition, Offset.Beginning));
        var values = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (r is null) continue;
            if (r.IsPartitionEOF)
            {
                if (values.Count >= expected) break;
                continue;
            }
            values.Add(r.Message.Value);
        }
        return values;
    }
}
