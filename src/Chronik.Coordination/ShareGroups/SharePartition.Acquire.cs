namespace Chronik.Coordination.ShareGroups;

/// <summary>Acquisition: a share fetch takes AVAILABLE in-flight records and new records off the log, under a lock.</summary>
public sealed partial class SharePartition
{
    /// <summary>
    /// Acquires records for <paramref name="memberId"/> from the batches the log returned for a read at
    /// <see cref="NextFetchOffset"/>: first the AVAILABLE in-flight records inside them (redeliveries), then
    /// records past <see cref="FirstUnfetchedOffset"/>, as far as <paramref name="maxRecords"/> and the
    /// record-lock cap allow. In batch-optimized mode both limits are soft and whole log batches are taken
    /// (as Kafka does); in record-limit mode they are exact. Offsets the batches skip (compacted away,
    /// below the log start) are archived. Each acquired record's delivery count rises and its lock runs
    /// for share.record.lock.duration.ms.
    /// </summary>
    public ShareAcquireResult Acquire(string memberId, int maxRecords, ReadOnlySpan<LogBatchBounds> batches, ShareAcquireMode mode = ShareAcquireMode.BatchOptimized)
    {
        if (maxRecords <= 0 || batches.IsEmpty || string.IsNullOrEmpty(memberId)) return ShareAcquireResult.Empty;
        long fetchFirst = batches[0].BaseOffset, fetchLast = batches[^1].LastOffset;
        if (fetchLast < StartOffset) return ShareAcquireResult.Empty;
        long deadline = NowMs + Config.RecordLockDurationMs;
        var acquired = new List<AcquiredRange>();
        long count = 0;

        // Redeliveries: AVAILABLE in-flight records inside the fetched window.
        long windowFirst = Math.Max(fetchFirst, StartOffset);
        long windowLast = Math.Min(fetchLast, FirstUnfetchedOffset - 1);
        if (windowFirst <= windowLast)
        {
            for (int i = 0; i < _inFlight.Count && count < maxRecords; i++)
            {
                var r = _inFlight[i];
                if (r.Last < windowFirst || r.State != DeliveryState.Available) continue;
                if (r.First > windowLast) break;
                long first = Math.Max(r.First, windowFirst);
                long last = Math.Min(r.Last, windowLast);
                if (mode == ShareAcquireMode.RecordLimit) last = Math.Min(last, first + (maxRecords - count) - 1);
                var (from, to) = _inFlight.Isolate(first, last);
                for (int k = from; k < to; k++)
                {
                    var part = _inFlight[k];
                    part.Acquire(memberId, deadline);
                    Add(acquired, part.First, part.Last, part.DeliveryCount);
                    count += part.Count;
                }
                Touch(first, last);
                i = to - 1;
            }
        }

        // New records past the in-flight window, bounded by the record-lock cap.
        long newFirst = Math.Max(FirstUnfetchedOffset, fetchFirst);
        long room = Math.Min(maxRecords - count, Config.MaxRecordLocks - InFlightCount);
        if (newFirst <= fetchLast && room > 0)
        {
            if (newFirst > FirstUnfetchedOffset)
            {
                // The log has no records here any more: nothing to deliver, so finished for the group.
                _inFlight.Append(new InFlightRange(FirstUnfetchedOffset, newFirst - 1, DeliveryState.Archived, 0));
                Touch(FirstUnfetchedOffset, newFirst - 1);
            }
            long newLast = fetchLast;
            if (newLast - newFirst + 1 > room)
            {
                newLast = newFirst + room - 1;
                if (mode == ShareAcquireMode.BatchOptimized) newLast = EndOfBatchHolding(batches, newLast);
            }
            var range = new InFlightRange(newFirst, newLast, DeliveryState.Available, 0);
            range.Acquire(memberId, deadline);
            _inFlight.Append(range);
            Add(acquired, newFirst, newLast, range.DeliveryCount);
            count += range.Count;
            FirstUnfetchedOffset = newLast + 1;
            Touch(newFirst, newLast);
        }

        if (count == 0 && _touched.Count == 0) return ShareAcquireResult.Empty;
        AdvanceStartOffset();
        _inFlight.Coalesce();
        return new ShareAcquireResult(acquired, (int)Math.Min(count, int.MaxValue), Persist());
    }

    private static long EndOfBatchHolding(ReadOnlySpan<LogBatchBounds> batches, long offset)
    {
        foreach (var b in batches)
        {
            if (offset >= b.BaseOffset && offset <= b.LastOffset) return b.LastOffset;
        }
        return offset;
    }

    private static void Add(List<AcquiredRange> acquired, long first, long last, int deliveryCount)
    {
        short dc = (short)Math.Min(deliveryCount, short.MaxValue);
        if (acquired.Count > 0)
        {
            var prev = acquired[^1];
            if (prev.LastOffset + 1 == first && prev.DeliveryCount == dc)
            {
                acquired[^1] = prev with { LastOffset = last };
                return;
            }
        }
        acquired.Add(new AcquiredRange(first, last, dc));
    }
}
