namespace Chronik.Coordination.ShareGroups;

/// <summary>The offsets of one record batch the log returned for a share fetch: base and last offset, inclusive.</summary>
public readonly record struct LogBatchBounds(long BaseOffset, long LastOffset);

/// <summary>A range of records acquired by one share fetch (ShareFetchResponse's AcquiredRecords).</summary>
public readonly record struct AcquiredRange(long FirstOffset, long LastOffset, short DeliveryCount);

/// <summary>What an acquisition took: the ranges, how many offsets, and the state record to persist before answering (null: none).</summary>
public sealed record ShareAcquireResult(IReadOnlyList<AcquiredRange> Acquired, int Count, ShareStateValue? Record)
{
    public static readonly ShareAcquireResult Empty = new([], 0, null);
}

/// <summary>One acknowledgement batch: one type for the whole range, or one per offset.</summary>
public readonly record struct ShareAcknowledgementBatch(long FirstOffset, long LastOffset, IReadOnlyList<byte> AcknowledgeTypes)
{
    public ShareAcknowledgementBatch(long firstOffset, long lastOffset, AcknowledgeType type) : this(firstOffset, lastOffset, [(byte)type]) { }
}

/// <summary>The outcome of acknowledging one partition: an error (nothing applied) or success with the record to persist.</summary>
public sealed record ShareAckResult(Chronik.Protocol.Messages.ErrorCode Error, string? Message, ShareStateValue? Record)
{
    public bool Succeeded => Error == Chronik.Protocol.Messages.ErrorCode.None;
}

/// <summary>One in-flight run of a share partition as seen from outside (tests, describe, metrics).</summary>
public readonly record struct ShareInFlightBatch(long FirstOffset, long LastOffset, DeliveryState State, int DeliveryCount, string? MemberId);
