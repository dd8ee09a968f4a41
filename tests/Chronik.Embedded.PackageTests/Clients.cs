using Confluent.Kafka;

namespace Chronik.Embedded.PackageTests;

/// <summary>Small Confluent.Kafka helpers the tests share.</summary>
internal static class Clients
{
    /// <summary>Subscribes with <paramref name="group"/> and reads until <paramref name="count"/> records arrived or 30 s passed.</summary>
    public static List<ConsumeResult<TKey, TValue>> ConsumeAll<TKey, TValue>(string bootstrap, string topic, string group, int count,
        IsolationLevel isolation = IsolationLevel.ReadUncommitted, bool commit = false)
    {
        using var consumer = new ConsumerBuilder<TKey, TValue>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = group,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            IsolationLevel = isolation,
        }).Build();
        consumer.Subscribe(topic);
        var read = new List<ConsumeResult<TKey, TValue>>();
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (read.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } r)
            {
                read.Add(r);
            }
        }
        if (commit && read.Count > 0)
        {
            consumer.Commit();
        }
        consumer.Close();
        return read;
    }
}
