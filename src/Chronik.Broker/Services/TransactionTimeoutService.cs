using Chronik.Coordination.Transactions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Chronik.Broker.Services;

/// <summary>
/// Drives the transaction coordinator's clock: at start-up completes transactions a crash left in
/// PrepareCommit/PrepareAbort, then every second aborts transactions past transaction.timeout.ms and retries
/// completions whose marker write failed.
/// </summary>
public sealed class TransactionTimeoutService(TransactionCoordinatorService coordinator, ILogger<TransactionTimeoutService> logger) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        int recovered = await coordinator.RecoverAsync().ConfigureAwait(false);
        if (recovered > 0) logger.LogInformation("Completed {Count} transactions left in PrepareCommit/PrepareAbort", recovered);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                int aborted = await coordinator.AbortExpiredAsync().ConfigureAwait(false);
                if (aborted > 0) logger.LogInformation("Aborted {Count} transactions past their timeout", aborted);
                await coordinator.RecoverAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                logger.LogWarning(e, "Transaction timeout tick failed");
            }
        }
    }
}
