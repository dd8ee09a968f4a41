// The transaction coordinator's records: Kafka's __transaction_state layout (TransactionLogKey/TransactionLogValue of
// records/transaction-coordinator, through the generated codecs) carried on the metadata log in our
// TransactionStateRecord, with the groups and pending TxnOffsetCommits Kafka keeps in __consumer_offsets.
// TransactionStatus uses Kafka's numbering (TransactionState.java: Empty 0 ... CompleteAbort 5, Dead 6).
using Chronik.Coordination.Groups;
using Chronik.Coordination.Metadata;
using Chronik.Protocol.Records;
using Chronik.Protocol.Records.Metadata;
using Chronik.Protocol.Records.TransactionCoordinator;

namespace Chronik.Coordination.Transactions;

/// <summary>Encodes a transactional id's state as its metadata record and decodes it back.</summary>
public static class TransactionRecords
{
    /// <summary>The TransactionLogValue version written (1: flexible, with the TV2 tagged fields).</summary>
    public const short ValueVersion = 1;

    /// <summary>The record holding the whole state of <paramref name="md"/> (the last one per id wins on replay).</summary>
    public static MetadataRecord Of(TransactionMetadata md)
    {
        var value = new TransactionLogValue
        {
            ProducerId = md.ProducerId, ProducerEpoch = md.ProducerEpoch, TransactionTimeoutMs = md.TimeoutMs,
            TransactionStatus = (sbyte)md.State, TransactionStartTimestampMs = md.StartTimeMs, TransactionLastUpdateTimestampMs = md.LastUpdateMs,
            ClientTransactionVersion = md.ClientTransactionVersion, NextProducerId = md.NextProducerId, PreviousProducerId = md.PreviousProducerId,
            TransactionPartitions = md.Partitions.GroupBy(p => p.Topic, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new TransactionLogValue.PartitionsSchema { Topic = g.Key, PartitionIds = g.Select(p => p.Partition).Order().ToList() }).ToList(),
        };
        return MetadataRecord.Of(new TransactionStateRecord
        {
            Key = Key(md.TransactionalId),
            Value = CoordinatorRecordCodec.Value(value, ValueVersion),
            Groups = md.Groups.Order(StringComparer.Ordinal).ToList(),
            PendingOffsets = md.PendingOffsets.Values.Select(o => new TransactionStateRecord.PendingOffset
            {
                Key = GroupRecords.OffsetKey(o.GroupId, o.Topic, o.Partition),
                Value = GroupRecords.OffsetValue(new CommittedOffset(o.Offset, o.LeaderEpoch, o.Metadata, md.LastUpdateMs)),
            }).ToList(),
        });
    }

    /// <summary>The tombstone that removes an expired transactional id (a null value, as in __transaction_state).</summary>
    public static MetadataRecord Tombstone(string transactionalId) =>
        MetadataRecord.Of(new TransactionStateRecord { Key = Key(transactionalId), Value = null });

    /// <summary>The transactional id a record is about.</summary>
    public static string TransactionalIdOf(TransactionStateRecord r) => CoordinatorRecordCodec.ReadKey(new TransactionLogKey(), r.Key).TransactionalId;

    /// <summary>The state a record holds, or null for a tombstone (or a Dead value).</summary>
    public static TransactionMetadata? Read(TransactionStateRecord r)
    {
        string id = TransactionalIdOf(r);
        if (r.Value is null) return null;
        var v = CoordinatorRecordCodec.ReadValue(new TransactionLogValue(), r.Value, out _);
        if (v.TransactionStatus is < 0 or > (sbyte)TransactionState.Dead) throw new InvalidDataException($"transaction {id}: unknown status {v.TransactionStatus}");
        var state = (TransactionState)v.TransactionStatus;
        if (state == TransactionState.Dead) return null;
        var md = new TransactionMetadata
        {
            TransactionalId = id, ProducerId = v.ProducerId, ProducerEpoch = v.ProducerEpoch, TimeoutMs = v.TransactionTimeoutMs, State = state,
            StartTimeMs = v.TransactionStartTimestampMs, LastUpdateMs = v.TransactionLastUpdateTimestampMs,
            ClientTransactionVersion = v.ClientTransactionVersion, NextProducerId = v.NextProducerId, PreviousProducerId = v.PreviousProducerId,
        };
        foreach (var t in v.TransactionPartitions ?? [])
        {
            foreach (int p in t.PartitionIds) md.Partitions.Add(new TopicPartition(t.Topic, p));
        }
        foreach (var g in r.Groups) md.Groups.Add(g);
        foreach (var o in r.PendingOffsets)
        {
            var (group, topic, partition) = GroupRecords.ReadOffsetKey(o.Key);
            var committed = GroupRecords.ReadOffsetValue(o.Value);
            md.PendingOffsets[(group, topic, partition)] = new PendingTxnOffset(group, topic, partition, committed.Offset, committed.LeaderEpoch, committed.Metadata);
        }
        return md;
    }

    /// <summary>Whether a metadata record type is the transaction coordinator's.</summary>
    public static bool IsTransactionRecord(short type) => type == MetadataRecordTypes.TransactionStateRecord;

    private static byte[] Key(string transactionalId) =>
        CoordinatorRecordCodec.Key(TransactionCoordinatorRecordTypes.TransactionLog, new TransactionLogKey { TransactionalId = transactionalId });
}
