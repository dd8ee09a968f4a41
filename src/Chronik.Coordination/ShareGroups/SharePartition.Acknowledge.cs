using Chronik.Protocol.Messages;

namespace Chronik.Coordination.ShareGroups;

/// <summary>Acknowledgement: the owner of acquired records accepts, releases, rejects (or renews) them.</summary>
public sealed partial class SharePartition
{
    /// <summary>
    /// Applies one partition's acknowledgement batches for <paramref name="memberId"/>, all or nothing.
    /// Malformed batches (first after last, unordered or overlapping, a type count that is neither 1 nor the
    /// range length, an unknown type, RENEW when disabled) and offsets past the in-flight records answer
    /// INVALID_REQUEST; offsets that are not acquired by this member answer INVALID_RECORD_STATE. Offsets
    /// below SPSO are skipped: they are finished already. ACCEPT acknowledges, RELEASE makes the records
    /// available again (archived once the delivery count limit is reached), REJECT and GAP archive, RENEW
    /// restarts the lock.
    /// </summary>
    public ShareAckResult Acknowledge(string memberId, IReadOnlyList<ShareAcknowledgementBatch> batches)
    {
        var invalid = Validate(memberId, batches);
        if (invalid is not null) return invalid;
        long renewDeadline = NowMs + Config.RecordLockDurationMs;
        foreach (var b in batches)
        {
            if (b.LastOffset < StartOffset) continue;
            if (b.AcknowledgeTypes.Count == 1)
            {
                Settle(Math.Max(b.FirstOffset, StartOffset), b.LastOffset, (AcknowledgeType)b.AcknowledgeTypes[0], renewDeadline);
                continue;
            }
            // Per-offset types: settle each run of equal types at once.
            long runStart = b.FirstOffset;
            for (long o = b.FirstOffset; o <= b.LastOffset; o++)
            {
                byte t = b.AcknowledgeTypes[(int)(o - b.FirstOffset)];
                bool runEnds = o == b.LastOffset || b.AcknowledgeTypes[(int)(o - b.FirstOffset + 1)] != t;
                if (!runEnds) continue;
                if (o >= StartOffset) Settle(Math.Max(runStart, StartOffset), o, (AcknowledgeType)t, renewDeadline);
                runStart = o + 1;
            }
        }
        AdvanceStartOffset();
        _inFlight.Coalesce();
        return new ShareAckResult(ErrorCode.None, null, Persist());
    }

    private ShareAckResult? Validate(string memberId, IReadOnlyList<ShareAcknowledgementBatch> batches)
    {
        long previousLast = long.MinValue;
        foreach (var b in batches)
        {
            if (b.FirstOffset > b.LastOffset || b.FirstOffset < 0) return Error(ErrorCode.InvalidRequest, $"Acknowledgement batch {b.FirstOffset}-{b.LastOffset} is not a range.");
            if (b.FirstOffset <= previousLast) return Error(ErrorCode.InvalidRequest, "Acknowledgement batches must be in offset order and must not overlap.");
            previousLast = b.LastOffset;
            int n = b.AcknowledgeTypes?.Count ?? 0;
            if (n != 1 && n != b.LastOffset - b.FirstOffset + 1)
            {
                return Error(ErrorCode.InvalidRequest, $"Acknowledgement batch {b.FirstOffset}-{b.LastOffset} has {n} acknowledge types.");
            }
            foreach (byte t in b.AcknowledgeTypes!)
            {
                if (t > (byte)AcknowledgeType.Renew || (t == (byte)AcknowledgeType.Renew && !Config.RenewAcknowledgeEnabled))
                {
                    return Error(ErrorCode.InvalidRequest, $"Invalid acknowledge type: {t}.");
                }
            }
            if (b.LastOffset < StartOffset) continue;
            if (b.LastOffset >= FirstUnfetchedOffset) return Error(ErrorCode.InvalidRequest, $"Offset {b.LastOffset} is past the acquired records.");
            long first = Math.Max(b.FirstOffset, StartOffset);
            int i = _inFlight.Find(first);
            if (i < 0) return Error(ShareErrorCodes.InvalidRecordState, $"Offset {first} is not in flight.");
            for (; i < _inFlight.Count && _inFlight[i].First <= b.LastOffset; i++)
            {
                var r = _inFlight[i];
                if (r.State != DeliveryState.Acquired)
                {
                    return Error(ShareErrorCodes.InvalidRecordState, $"Offsets {Math.Max(r.First, first)}-{Math.Min(r.Last, b.LastOffset)} are not acquired.");
                }
                if (r.MemberId != memberId)
                {
                    return Error(ShareErrorCodes.InvalidRecordState, $"Member {memberId} does not hold offsets {Math.Max(r.First, first)}-{Math.Min(r.Last, b.LastOffset)}.");
                }
            }
        }
        return null;
    }

    private void Settle(long first, long last, AcknowledgeType type, long renewDeadline)
    {
        var (from, to) = _inFlight.Isolate(first, last);
        for (int k = from; k < to; k++)
        {
            var r = _inFlight[k];
            switch (type)
            {
                case AcknowledgeType.Accept:
                    r.Settle(DeliveryState.Acknowledged, Config.DeliveryCountLimit);
                    break;
                case AcknowledgeType.Release:
                    r.Settle(DeliveryState.Available, Config.DeliveryCountLimit);
                    break;
                case AcknowledgeType.Renew:
                    r.LockDeadlineMs = renewDeadline;
                    break;
                default:
                    r.Settle(DeliveryState.Archived, Config.DeliveryCountLimit);
                    break;
            }
        }
        if (type != AcknowledgeType.Renew) Touch(first, last);
    }
}
