using Chronik.Coordination.Topics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Chronik.Coordination.Configs.Catalog;

namespace Chronik.Broker.Services;

/// <summary>Applies retention (time and size) to every partition every log.retention.check.interval.ms.</summary>
public sealed class RetentionService : BackgroundService
{
    private readonly TopicManager _topics;
    private readonly BrokerOptions _options;
    private readonly ILogger<RetentionService> _logger;

    public RetentionService(TopicManager topics, BrokerOptions options, ILogger<RetentionService> logger)
    {
        _topics = topics;
        _options = options;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromMilliseconds(Math.Max(1000, _options.LogRetentionCheckIntervalMs));
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false)) RunOnce(DateTimeOffset.UtcNow);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void RunOnce(DateTimeOffset now)
    {
        foreach (var topic in _topics.Topics)
        {
            // Kafka deletes old segments only when cleanup.policy includes "delete" (compact-only topics keep them).
            string policy = _topics.EffectiveConfig(topic, TopicConfigKeys.CleanupPolicy.Name) ?? "delete";
            if (!policy.Split(',', StringSplitOptions.TrimEntries).Contains("delete", StringComparer.Ordinal)) continue;
            for (int p = 0; p < topic.PartitionCount; p++)
            {
                try
                {
                    var r = _topics.GetLog(topic.Name, p)?.ApplyRetention(now);
                    if (r is { SegmentsDeleted: > 0 } res)
                    {
                        _logger.LogInformation("Retention deleted {Segments} segment(s), {Bytes} bytes of {Topic}-{Partition}; log start offset {Start}",
                            res.SegmentsDeleted, res.BytesDeleted, topic.Name, p, res.LogStartOffset);
                    }
                }
                catch (IOException e)
                {
                    _logger.LogError(e, "Retention failed for {Topic}-{Partition}", topic.Name, p);
                }
            }
        }
    }
}
