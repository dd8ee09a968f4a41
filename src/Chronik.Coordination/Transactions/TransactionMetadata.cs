using System.Collections.Frozen;

namespace Chronik.Coordination.Transactions;

/// <summary>Kafka's transaction states (TransactionState.java), named as DescribeTransactions reports them.</summary>
public enum TransactionState
{
    Empty,
    Ongoing,
    PrepareCommit,
    PrepareAbort,
    CompleteCommit,
    CompleteAbort,
    /// <summary>Persisted only, as the tombstone of an expired transactional id (transactional.id.expiration.ms).</summary>
    Dead,
}

/// <summary>One partition of a topic.</summary>
public readonly record struct TopicPartition(string Topic, int Partition)
{
    public override string ToString() => Topic + "-" + Partition;
}

/// <summary>An offset committed inside a transaction (TxnOffsetCommit): visible to the group only when the transaction commits.</summary>
public sealed record PendingTxnOffset(string GroupId, string Topic, int Partition, long Offset, int LeaderEpoch, string Metadata);

/// <summary>An immutable view of a transaction, published for lock-free readers (the produce path).</summary>
public sealed record TransactionView(long ProducerId, short ProducerEpoch, TransactionState State, FrozenSet<TopicPartition> Partitions);

/// <summary>The coordinator's state for one transactional id. Mutated only by the coordinator, whose caller serializes its calls; readers outside use <see cref="View"/>.</summary>
public sealed class TransactionMetadata
{
    public required string TransactionalId { get; init; }
    public long ProducerId { get; internal set; }
    public short ProducerEpoch { get; internal set; }
    public int TimeoutMs { get; internal set; }
    public TransactionState State { get; internal set; }
    public HashSet<TopicPartition> Partitions { get; } = [];
    /// <summary>Consumer groups whose offsets were added to the transaction (AddOffsetsToTxn).</summary>
    public HashSet<string> Groups { get; } = new(StringComparer.Ordinal);
    /// <summary>TxnOffsetCommits of the open transaction, by group and partition (the last one wins).</summary>
    public Dictionary<(string Group, string Topic, int Partition), PendingTxnOffset> PendingOffsets { get; } = [];
    public long StartTimeMs { get; internal set; } = -1;
    public long LastUpdateMs { get; internal set; }
    /// <summary>
    /// The transaction.version the client used for the last change (Kafka's clientTransactionVersion): 2 when the
    /// transaction bumps its epoch at commit and abort (KIP-890 part 2), else 0/1. Kept with the state so a transaction
    /// left in a Prepare state completes the way it began, whatever is finalized later.
    /// </summary>
    public short ClientTransactionVersion { get; internal set; }
    /// <summary>The producer id a TV2 commit/abort that exhausted the epochs moves to when it completes, or -1.</summary>
    public long NextProducerId { get; internal set; } = -1;
    /// <summary>The producer id before the last such rotation, or -1: an EndTxn retry from it is recognised.</summary>
    public long PreviousProducerId { get; internal set; } = -1;
    /// <summary>True while the markers of a PrepareCommit/PrepareAbort are being written.</summary>
    internal bool Completing { get; set; }
    internal TransactionView View { get; private set; } = new(-1, -1, TransactionState.Empty, FrozenSet<TopicPartition>.Empty);

    /// <summary>The state now, for readers once it is durable.</summary>
    internal TransactionView CurrentView() => new(ProducerId, ProducerEpoch, State, Partitions.ToFrozenSet());

    internal void Publish() => View = CurrentView();

    internal void Publish(TransactionView view) => View = view;
}
