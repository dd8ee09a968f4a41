using System.Buffers.Binary;
using Chronik.Protocol.Records;

namespace Chronik.Storage.Objects.Format;

/// <summary>
/// The fixed binary layout of a produce commit-window object (docs/CLUSTER-OBJECTS.md), all integers big-endian:
/// the batches grouped by partition, partitions in (topic id, partition) order; then the index, one 48-byte entry per
/// partition in the same order; then a 40-byte footer that locates and checksums the index.
/// </summary>
public static class CommitWindowLayout
{
    public const int EntrySize = 48;
    public const int FooterSize = 40;
    public const short Version = 1;

    /// <summary>"CHRNKCW1": the last 8 bytes of every commit-window object.</summary>
    public static ReadOnlySpan<byte> Magic => "CHRNKCW1"u8;

    // Footer fields (offsets from the footer's start).
    internal const int FooterIndexPosition = 0;   // int64: where the index starts (= the data section's length)
    internal const int FooterEntryCount = 8;      // int32
    internal const int FooterIndexCrc = 12;       // uint32: CRC-32C of the index
    internal const int FooterCreatedMs = 16;      // int64: when the writer built the object (Unix ms)
    internal const int FooterVersion = 24;        // int16
    internal const int FooterReserved = 26;       // int16, 0
    internal const int FooterCrc = 28;            // uint32: CRC-32C of footer bytes [0, 28)
    internal const int FooterMagic = 32;          // 8 bytes

    // Index entry fields.
    internal const int EntryTopicId = 0;          // 16 bytes, the UUID as Kafka writes it
    internal const int EntryPartition = 16;       // int32
    internal const int EntryBatchCount = 20;      // int32
    internal const int EntryPosition = 24;        // int64: first byte of the partition's batches in the object
    internal const int EntryLength = 32;          // int64: bytes of its batches
    internal const int EntryRecordCount = 40;     // int64: sum over its batches of lastOffsetDelta + 1

    internal static void WriteEntry(Span<byte> b, in PartitionRange e)
    {
        e.TopicId.TryWriteBytes(b[EntryTopicId..], bigEndian: true, out _);
        BinaryPrimitives.WriteInt32BigEndian(b[EntryPartition..], e.Partition);
        BinaryPrimitives.WriteInt32BigEndian(b[EntryBatchCount..], e.BatchCount);
        BinaryPrimitives.WriteInt64BigEndian(b[EntryPosition..], e.Position);
        BinaryPrimitives.WriteInt64BigEndian(b[EntryLength..], e.Length);
        BinaryPrimitives.WriteInt64BigEndian(b[EntryRecordCount..], e.RecordCount);
    }

    internal static PartitionRange ReadEntry(ReadOnlySpan<byte> b) => new(
        new Guid(b.Slice(EntryTopicId, 16), bigEndian: true),
        BinaryPrimitives.ReadInt32BigEndian(b[EntryPartition..]),
        BinaryPrimitives.ReadInt64BigEndian(b[EntryPosition..]),
        BinaryPrimitives.ReadInt64BigEndian(b[EntryLength..]),
        BinaryPrimitives.ReadInt32BigEndian(b[EntryBatchCount..]),
        BinaryPrimitives.ReadInt64BigEndian(b[EntryRecordCount..]));

    internal static void WriteFooter(Span<byte> b, long indexPosition, int entryCount, uint indexCrc, long createdMs)
    {
        BinaryPrimitives.WriteInt64BigEndian(b[FooterIndexPosition..], indexPosition);
        BinaryPrimitives.WriteInt32BigEndian(b[FooterEntryCount..], entryCount);
        BinaryPrimitives.WriteUInt32BigEndian(b[FooterIndexCrc..], indexCrc);
        BinaryPrimitives.WriteInt64BigEndian(b[FooterCreatedMs..], createdMs);
        BinaryPrimitives.WriteInt16BigEndian(b[FooterVersion..], Version);
        BinaryPrimitives.WriteInt16BigEndian(b[FooterReserved..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(b[FooterCrc..], Crc32C.Compute(b[..FooterCrc]));
        Magic.CopyTo(b[FooterMagic..]);
    }

    /// <summary>Orders partitions as the object stores them: topic id bytes, then partition.</summary>
    internal static int Compare(Guid topicA, int partitionA, Guid topicB, int partitionB)
    {
        Span<byte> a = stackalloc byte[16], b = stackalloc byte[16];
        topicA.TryWriteBytes(a, bigEndian: true, out _);
        topicB.TryWriteBytes(b, bigEndian: true, out _);
        int c = a.SequenceCompareTo(b);
        return c != 0 ? c : partitionA.CompareTo(partitionB);
    }
}

/// <summary>Where one partition's batches are in a commit-window object: bytes [Position, Position + Length).</summary>
public readonly record struct PartitionRange(Guid TopicId, int Partition, long Position, long Length, int BatchCount, long RecordCount);

/// <summary>A commit-window object that is not in the layout: truncated, damaged, or of an unknown version.</summary>
public sealed class CommitWindowFormatException : ObjectStoreException
{
    public CommitWindowFormatException() { }
    public CommitWindowFormatException(string message) : base(message) { }
    public CommitWindowFormatException(string message, Exception inner) : base(message, inner) { }
}
