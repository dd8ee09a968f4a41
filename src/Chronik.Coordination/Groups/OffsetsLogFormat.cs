// Why a marker record, and why it is reliable. The offsets log's keys were always Kafka's, but Chronik's releases
// before this one wrote the values of KIP-848 records (types 3, 5-8) in a layout of their own, and both layouts start
// with value version 0 (Kafka's only version of those schemas), so nothing in a record tells them apart; guessing
// from whether the bytes parse would be a heuristic. What a release knows for certain is *where* it started writing,
// so it says so in the log itself: when it opens an offsets log that holds no marker (a new log, or one from an
// earlier release) it appends one before anything else, and every snapshot it writes starts with one. Replaying from
// the log start, records before the first marker are the earlier layout and every record after it is Kafka's.
// Compaction keeps this true: the marker key has no fields, so the key cleaner only drops a marker for a newer one,
// which starts a snapshot; records before that snapshot are superseded by it or are tombstones (no value, no layout).
// Kafka's coordinator loader skips a record type it does not know, so the marker does not stop Kafka reading the log.
using Chronik.Protocol.Records;
using Chronik.Protocol.Records.GroupCoordinator;

namespace Chronik.Coordination.Groups;

/// <summary>The offsets log's format marker (Chronik's own record type 1000): every record after it is in Kafka's layouts.</summary>
public static class OffsetsLogFormat
{
    /// <summary>The record type of the marker.</summary>
    public const short RecordType = GroupCoordinatorRecordTypes.OffsetsLogFormat;

    /// <summary>The format this release writes: every record in Kafka's group-coordinator layouts.</summary>
    public const short KafkaLayouts = 1;

    /// <summary>The marker record.</summary>
    public static CoordinatorRecord Marker() =>
        new(CoordinatorRecordCodec.Key(RecordType, new OffsetsLogFormatKey()),
            CoordinatorRecordCodec.Value(new OffsetsLogFormatValue { Format = KafkaLayouts }, 0));

    /// <summary>The format a marker names; a format this release does not know (a newer release's) cannot be read.</summary>
    public static short Read(byte[]? value)
    {
        if (value is null) throw new InvalidDataException("the offsets log's format marker has no value");
        short format = CoordinatorRecordCodec.ReadValue(new OffsetsLogFormatValue(), value, out _).Format;
        if (format != KafkaLayouts) throw new InvalidDataException($"the offsets log is in format {format}, which this release does not read");
        return format;
    }
}
