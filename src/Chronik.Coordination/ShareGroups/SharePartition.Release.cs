namespace Chronik.Coordination.ShareGroups;

/// <summary>Releases that do not come from an acknowledgement: lock timeouts, a member leaving, the log start moving.</summary>
public sealed partial class SharePartition
{
    /// <summary>
    /// Releases every acquisition whose lock has expired by now: the records become AVAILABLE again, or
    /// ARCHIVED when they used the last delivery or fell below SPSO. Returns the record to persist, or null.
    /// </summary>
    public ShareStateValue? ReleaseExpiredLocks()
    {
        long now = NowMs;
        return ReleaseWhere(r => r.LockDeadlineMs <= now);
    }

    /// <summary>Releases everything <paramref name="memberId"/> holds (it left the group, or closed its share session).</summary>
    public ShareStateValue? ReleaseAcquiredRecords(string memberId) => ReleaseWhere(r => r.MemberId == memberId);

    private ShareStateValue? ReleaseWhere(Func<InFlightRange, bool> match)
    {
        // An acquisition straddling SPSO releases its part below SPSO as archived.
        _inFlight.Isolate(long.MinValue, StartOffset - 1);
        foreach (var r in _inFlight.Ranges)
        {
            if (r.State != DeliveryState.Acquired || !match(r)) continue;
            r.Settle(r.Last < StartOffset ? DeliveryState.Archived : DeliveryState.Available, Config.DeliveryCountLimit);
            Touch(r.First, r.Last);
        }
        if (_touched.Count == 0) return null;
        AdvanceStartOffset();
        _inFlight.Coalesce();
        return Persist();
    }

    /// <summary>
    /// The log start offset moved past SPSO (retention, DeleteRecords): SPSO follows it and AVAILABLE records
    /// below it are archived; acquired ones stay with their owner until settled, then are archived.
    /// </summary>
    public ShareStateValue? OnLogStartOffsetAdvanced(long logStartOffset)
    {
        if (logStartOffset <= StartOffset) return null;
        var (_, below) = _inFlight.Isolate(long.MinValue, logStartOffset - 1);
        for (int i = 0; i < below; i++)
        {
            if (_inFlight[i].State == DeliveryState.Available) _inFlight[i].State = DeliveryState.Archived;
        }
        StartOffset = logStartOffset;
        AdvanceStartOffset();
        _inFlight.Coalesce();
        Touch(StartOffset, StartOffset - 1);
        return Persist();
    }

    /// <summary>
    /// AlterShareGroupOffsets: forget all in-flight state and start again at <paramref name="startOffset"/>
    /// under a new state epoch. The caller allows this only while the group has no members.
    /// </summary>
    public ShareSnapshotRecord ResetStartOffset(long startOffset)
    {
        _inFlight.Clear();
        StartOffset = startOffset;
        FirstUnfetchedOffset = startOffset;
        StateEpoch++;
        return TakeSnapshot();
    }
}
