using System.Text.Json;
using Chronik.Coordination.Metadata;

namespace Chronik.Coordination.Transactions;

/// <summary>
/// Upgrade in place: before the metadata store the coordinator kept its state as JSON lines in
/// &lt;data-dir&gt;/__cluster_metadata/transactions.log (one <see cref="TransactionLogEntry"/> per change, the last per
/// id winning, a Dead entry removing the id, a torn last line ignored). Read once at the first start on the store.
/// </summary>
public static class LegacyTransactionLog
{
    public const string FileName = "transactions.log";

    /// <summary>The live transactional ids of an old file, as the records that rebuild them.</summary>
    public static IReadOnlyList<MetadataRecord> Read(string path)
    {
        var live = new Dictionary<string, TransactionLogEntry>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines(path))
        {
            if (line.Length == 0) continue;
            TransactionLogEntry? e;
            try { e = JsonSerializer.Deserialize<TransactionLogEntry>(line); }
            catch (JsonException) { break; }
            if (e is null) break;
            if (e.IsTombstone) live.Remove(e.TransactionalId);
            else live[e.TransactionalId] = e;
        }
        return live.Values.Select(e => TransactionRecords.Of(FromEntry(e))).ToList();
    }

    private static TransactionMetadata FromEntry(TransactionLogEntry e)
    {
        var md = new TransactionMetadata
        {
            TransactionalId = e.TransactionalId, ProducerId = e.ProducerId, ProducerEpoch = e.ProducerEpoch, TimeoutMs = e.TimeoutMs,
            State = Enum.Parse<TransactionState>(e.State), StartTimeMs = e.StartTimeMs, LastUpdateMs = e.LastUpdateMs,
            ClientTransactionVersion = e.ClientTransactionVersion, NextProducerId = e.NextProducerId, PreviousProducerId = e.PreviousProducerId,
        };
        foreach (var p in e.Partitions) md.Partitions.Add(new TopicPartition(p.Topic, p.Partition));
        foreach (var g in e.Groups) md.Groups.Add(g);
        foreach (var o in e.Offsets ?? []) md.PendingOffsets[(o.GroupId, o.Topic, o.Partition)] = o;
        return md;
    }
}

/// <summary>A partition in an old JSON transaction record.</summary>
public sealed record PartitionEntry(string Topic, int Partition);

/// <summary>One line of the old JSON transaction log: the whole state of a transactional id after a change.</summary>
public sealed record TransactionLogEntry(string TransactionalId, long ProducerId, short ProducerEpoch, int TimeoutMs, string State,
    List<PartitionEntry> Partitions, List<string> Groups, long StartTimeMs, long LastUpdateMs)
{
    /// <summary>Pending transactional offsets; null when there are none.</summary>
    public List<PendingTxnOffset>? Offsets { get; init; }

    /// <summary>Absent (0) in lines written before transactions v2.</summary>
    public short ClientTransactionVersion { get; init; }

    public long NextProducerId { get; init; } = -1;

    public long PreviousProducerId { get; init; } = -1;

    /// <summary>Whether this line removes its transactional id (it expired).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsTombstone => State == nameof(TransactionState.Dead);
}
