using Chronik.Coordination.Metadata;
using Chronik.Coordination.Producers;
using Chronik.Coordination.Transactions;
using Chronik.Protocol.Records.Metadata;
using Chronik.Protocol.Records.TransactionCoordinator;
using Chronik.Protocol.Records;

namespace Chronik.Coordination.Tests.Transactions;

/// <summary>Drives a deterministic coordinator as its service does (records collected in order, publications run), with markers written by the test.</summary>
internal sealed class TransactionHarness
{
    public TransactionHarness(long expirationMs = 3_600_000) =>
        Coordinator = new TransactionCoordinator(new ProducerIdManager(new MemoryMetadataStore()), maxTimeoutMs: 60_000, expirationMs);

    public TransactionCoordinator Coordinator { get; }

    /// <summary>Every record the operations returned, in order: what the log would hold.</summary>
    public List<MetadataRecord> Log { get; } = [];

    /// <summary>Runs an operation as if persisted: keeps its records and runs its publications.</summary>
    public TransactionResult<T> Run<T>(Func<TransactionCoordinator, TransactionResult<T>> operation)
    {
        var r = operation(Coordinator);
        Log.AddRange(r.Records);
        r.RunCompletions();
        return r;
    }

    /// <summary>A coordinator rebuilt by replaying <see cref="Log"/>.</summary>
    public TransactionCoordinator Replayed()
    {
        var c = new TransactionCoordinator(new ProducerIdManager(new MemoryMetadataStore()), maxTimeoutMs: 60_000);
        c.Replay(Log);
        return c;
    }

    public static TransactionStateRecord State(MetadataRecord r) => Assert.IsType<TransactionStateRecord>(r.Message);

    /// <summary>The TransactionLogValue of a record (Kafka's layout), or null for a tombstone.</summary>
    public static TransactionLogValue? Value(MetadataRecord r) =>
        State(r).Value is { } v ? CoordinatorRecordCodec.ReadValue(new TransactionLogValue(), v, out _) : null;

    /// <summary>The encoded bytes of records, to compare two logs exactly.</summary>
    public static byte[] Bytes(IReadOnlyList<MetadataRecord> records) => MetadataBatch.Encode(0, records);
}
