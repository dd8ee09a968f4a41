namespace Chronik.Coordination.ShareGroups;

/// <summary>A run of consecutive in-flight offsets in one state, with one delivery count, owner and lock.</summary>
internal sealed class InFlightRange(long first, long last, DeliveryState state, int deliveryCount)
{
    public long First { get; set; } = first;
    public long Last { get; set; } = last;
    public DeliveryState State { get; set; } = state;
    public int DeliveryCount { get; set; } = deliveryCount;
    /// <summary>The member holding the acquisition lock; null unless acquired.</summary>
    public string? MemberId { get; set; }
    /// <summary>When the acquisition lock expires (ms); long.MaxValue unless acquired.</summary>
    public long LockDeadlineMs { get; set; } = long.MaxValue;

    public long Count => Last - First + 1;

    public bool IsTerminal => State is DeliveryState.Acknowledged or DeliveryState.Archived;

    public InFlightRange CopyAs(long first, long last) =>
        new(first, last, State, DeliveryCount) { MemberId = MemberId, LockDeadlineMs = LockDeadlineMs };

    public bool SameStateAs(InFlightRange o) =>
        State == o.State && DeliveryCount == o.DeliveryCount && MemberId == o.MemberId && LockDeadlineMs == o.LockDeadlineMs;

    public void Acquire(string memberId, long deadlineMs)
    {
        State = DeliveryState.Acquired;
        DeliveryCount++;
        MemberId = memberId;
        LockDeadlineMs = deadlineMs;
    }

    /// <summary>Leaves the acquired state for <paramref name="state"/>, archiving a release that used the last delivery.</summary>
    public void Settle(DeliveryState state, int deliveryCountLimit)
    {
        State = state == DeliveryState.Available && DeliveryCount >= deliveryCountLimit ? DeliveryState.Archived : state;
        MemberId = null;
        LockDeadlineMs = long.MaxValue;
    }
}
