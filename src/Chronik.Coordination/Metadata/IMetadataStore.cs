namespace Chronik.Coordination.Metadata;

/// <summary>
/// The cluster's metadata as one ordered log of typed records (Kafka's __cluster_metadata): state holders append
/// the records of a change and rebuild their state by replaying the latest snapshot and then the log. The local
/// store keeps it in files; the in-memory one serves tests; cluster mode will put the same records elsewhere.
/// </summary>
public interface IMetadataStore : IDisposable
{
    /// <summary>The offset the next appended record will get.</summary>
    long NextOffset { get; }

    /// <summary>
    /// Appends <paramref name="records"/> as one batch (wholly there after a crash, or wholly absent) and returns its
    /// base offset once the batch is durable and every participant owning one of its record types has applied it.
    /// Concurrent appends share fsyncs (group commit); batches are applied in offset order.
    /// </summary>
    long Append(IReadOnlyList<MetadataRecord> records);

    /// <summary>
    /// Replays to <paramref name="participant"/> the records of its types (the latest snapshot, then the log) in one
    /// <see cref="IMetadataParticipant.Apply"/> call, then delivers each later batch that holds any of them, and
    /// asks it for its state as records whenever a snapshot is taken.
    /// </summary>
    void Register(IMetadataParticipant participant);

    /// <summary>Writes a snapshot of everything appended so far now (they are also taken by size, see <see cref="MetadataStoreOptions"/>).</summary>
    void TakeSnapshot();
}

/// <summary>
/// A state holder on the metadata store: it owns some record types and is their only writer in this process (on a
/// shared store, other brokers' holders of the same kind write them too; the log order decides between them).
/// </summary>
public interface IMetadataParticipant
{
    /// <summary>Whether records of <paramref name="recordType"/> are this participant's.</summary>
    bool Owns(short recordType);

    /// <summary>
    /// Whether <paramref name="record"/> is part of this participant's state (what <see cref="SnapshotRecords"/> gives):
    /// by default every record of an owned type. Participants that share a type (ConfigRecord, by resource type) narrow
    /// it, so a snapshot keeps verbatim the records of a sharer that is not registered in this process.
    /// </summary>
    bool OwnsRecord(MetadataRecord record) => Owns(record.Type);

    /// <summary>
    /// Applies records in log order: at registration everything replayed (possibly none), later each appended batch's
    /// records of its types, on the appending thread before <see cref="IMetadataStore.Append"/> returns (another
    /// broker's batches, on a shared store, on whichever thread applies them). Publishes the new state as immutable
    /// data; must take no lock that any thread may hold while it waits in Append, its own holder's writers included.
    /// </summary>
    void Apply(IReadOnlyList<MetadataRecord> records);

    /// <summary>The current state as records that rebuild it when replayed; read without locks (a snapshot is taken between batches).</summary>
    IEnumerable<MetadataRecord> SnapshotRecords();
}

/// <summary>Tuning of a metadata store.</summary>
public sealed class MetadataStoreOptions
{
    /// <summary>Bytes appended after which a snapshot is taken (Kafka's metadata.log.max.record.bytes.between.snapshots).</summary>
    public long SnapshotAfterBytes { get; init; } = 20L << 20;
}
