using Chronik.Coordination.Producers;
using Chronik.Coordination.Transactions;
using Chronik.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Chronik.Broker.Services;

/// <summary>
/// Loads every partition's producer state at start-up (snapshot plus the log after it, completing the aborted-transaction
/// index a crash left short), as Kafka does when it loads its logs, except where there is nothing to load; then every producer.id.expiration.check.interval.ms
/// removes idle producers (producer.id.expiration.ms) and idle transactional ids (transactional.id.expiration.ms).
/// </summary>
public sealed class ProducerStateService(ILogStore store, ProducerStateRegistry producers, TransactionCoordinatorService coordinator,
    BrokerOptions options, ILogger<ProducerStateService> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        long started = Environment.TickCount64;
        int count = 0;
        // Each partition loads its own snapshot and replays its own tail: independent file work, so a bounded
        // parallel loop overlaps the reads (one after another they took 14 s at 100,000 partitions).
        Parallel.ForEach(store.Partitions.ToList(), new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(Environment.ProcessorCount * 4, 4, 32) }, key =>
        {
            // A partition with nothing to load (empty, no snapshot: most of 100,000 mostly idle ones) gets its state on
            // first use instead, which finds the same nothing; that saved about a second of start-up at 100,000.
            if (store.Get(key.Topic, key.Partition) is not { HasProducerStateToLoad: true } log) return;
            producers.For(log);
            Interlocked.Increment(ref count);
        });
        if (count > 0) logger.LogInformation("Loaded the producer state of {Count} partitions in {Ms} ms", count, Environment.TickCount64 - started);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Max(1, options.ProducerIdExpirationCheckIntervalMs)));
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                int removed = producers.RemoveExpiredProducers(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), options.ProducerIdExpirationMs);
                int ids = coordinator.ExpireTransactionalIds();
                if (removed + ids > 0) logger.LogInformation("Expired {Producers} idle producer states and {Ids} transactional ids", removed, ids);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                logger.LogWarning(e, "Producer expiration tick failed");
            }
        }
    }
}
