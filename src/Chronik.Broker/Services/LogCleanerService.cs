using System.Globalization;
using Chronik.Coordination.Topics;
using Chronik.Storage;
using Chronik.Storage.Compaction;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Chronik.Coordination.Configs.Catalog;

namespace Chronik.Broker.Services;

/// <summary>
/// Kafka's log cleaner thread: every log.cleaner.backoff.ms, compacts each partition of the topics whose
/// cleanup.policy contains "compact" (storage's <see cref="LogCleaner"/> does the work, off the partition lock
/// but for a brief swap). One partition at a time, on one background task.
/// </summary>
public sealed class LogCleanerService : BackgroundService
{
    private readonly TopicManager _topics;
    private readonly BrokerOptions _options;
    private readonly ILogger<LogCleanerService> _logger;
    private readonly Lock _runLock = new();

    public LogCleanerService(TopicManager topics, BrokerOptions options, ILogger<LogCleanerService> logger)
    {
        _topics = topics;
        _options = options;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Max(10, _options.LogCleanerBackoffMs)));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await Task.Run(() => RunOnce(DateTimeOffset.UtcNow, stoppingToken), stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One pass over every compacted partition; returns the partitions that were rewritten.</summary>
    public int RunOnce(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_runLock)
        {
            int cleaned = 0;
            foreach (var topic in _topics.Topics)
            {
                if (!CompactionConfig.IsCompacted(_topics.EffectiveConfig(topic, TopicConfigKeys.CleanupPolicy.Name))) continue;
                for (int p = 0; p < topic.PartitionCount && !cancellationToken.IsCancellationRequested; p++)
                {
                    if (_topics.GetLog(topic.Name, p) is not { } log) continue;
                    try
                    {
                        var config = CompactionConfig.Apply(log.Config, k => _topics.EffectiveConfig(topic, k));
                        var r = LogCleaner.Clean(log, config, now.ToUnixTimeMilliseconds());
                        if (!r.Cleaned) continue;
                        cleaned++;
                        _logger.LogInformation("Cleaned {Topic}-{Partition} up to offset {Offset}: {Before} -> {After} bytes, {Removed} records removed, dirty ratio {Ratio:F2}",
                            topic.Name, p, r.CleanedUpTo, r.BytesBefore, r.BytesAfter, r.RecordsRemoved, r.DirtyRatio);
                    }
                    catch (Exception e) when (e is IOException or ObjectDisposedException or Protocol.Records.CorruptRecordException or Protocol.Compression.CompressionException)
                    {
                        _logger.LogError(e, "Log cleaner failed for {Topic}-{Partition}; it will retry", topic.Name, p);
                    }
                }
            }
            return cleaned;
        }
    }
}

/// <summary>Maps the compaction topic configs onto <see cref="LogConfig"/> (the catalog's ToLogConfig does not carry them yet).</summary>
public static class CompactionConfig
{
    public static bool IsCompacted(string? cleanupPolicy) =>
        cleanupPolicy is not null && cleanupPolicy.Split(',', StringSplitOptions.TrimEntries).Contains("compact", StringComparer.Ordinal);

    public static LogConfig Apply(LogConfig config, Func<string, string?> effective)
    {
        long L(ConfigKey key, long d) => effective(key.Name) is { } v && long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long x) ? x : d;
        double ratio = effective(TopicConfigKeys.MinCleanableDirtyRatio.Name) is { } r && double.TryParse(r, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) ? x : config.MinCleanableDirtyRatio;
        return config with
        {
            Compact = IsCompacted(effective(TopicConfigKeys.CleanupPolicy.Name)),
            DeleteRetentionMs = L(TopicConfigKeys.DeleteRetentionMs, config.DeleteRetentionMs),
            MinCompactionLagMs = L(TopicConfigKeys.MinCompactionLagMs, config.MinCompactionLagMs),
            MaxCompactionLagMs = L(TopicConfigKeys.MaxCompactionLagMs, config.MaxCompactionLagMs),
            MinCleanableDirtyRatio = ratio,
        };
    }
}
