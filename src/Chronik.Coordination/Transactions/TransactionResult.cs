using Chronik.Coordination.Metadata;

namespace Chronik.Coordination.Transactions;

/// <summary>
/// What a <see cref="TransactionCoordinator"/> operation produced: its answer, the records to persist, the publications
/// of the new state to lock-free readers (run once the records are durable, in order), and the markers to write
/// (a transaction that went to PrepareCommit/PrepareAbort; the caller writes them, then calls
/// <see cref="TransactionCoordinator.CompleteTransaction"/> or <see cref="TransactionCoordinator.MarkersFailed"/>).
/// </summary>
public sealed record TransactionResult<T>(T Response, IReadOnlyList<MetadataRecord> Records, IReadOnlyList<Action> Completions, IReadOnlyList<MarkerJob> Markers)
{
    public void RunCompletions()
    {
        foreach (var c in Completions) c();
    }
}

/// <summary>The markers of a transaction in PrepareCommit/PrepareAbort: where they go, with which producer id and epoch.</summary>
public sealed record MarkerJob(string TransactionalId, bool Commit, long ProducerId, short Epoch,
    IReadOnlyCollection<TopicPartition> Partitions, IReadOnlyCollection<PendingTxnOffset> Offsets)
{
    internal TransactionMetadata Metadata { get; init; } = null!;
}

/// <summary>Collects the records, publications and marker jobs of one operation.</summary>
internal sealed class TransactionEffects
{
    public List<MetadataRecord> Records { get; } = [];
    public List<Action> Completions { get; } = [];
    public List<MarkerJob> Markers { get; } = [];

    public TransactionResult<T> Result<T>(T response) => new(response, Records, Completions, Markers);
}
