namespace Chronik.Coordination.ShareGroups;

/// <summary>
/// The in-flight records of a share partition as consecutive, non-overlapping ranges in offset order.
/// Operations split ranges at the offsets they touch and merge neighbours that end up alike, so the list
/// stays about as long as the number of distinct runs, bounded by the in-flight cap.
/// </summary>
internal sealed class InFlightRecords
{
    private readonly List<InFlightRange> _ranges = [];

    public int Count => _ranges.Count;

    public InFlightRange this[int index] => _ranges[index];

    public IReadOnlyList<InFlightRange> Ranges => _ranges;

    public void Append(InFlightRange r) => _ranges.Add(r);

    public void Clear() => _ranges.Clear();

    /// <summary>The index of the range holding <paramref name="offset"/>, else ~(index of the first range after it).</summary>
    public int Find(long offset)
    {
        int lo = 0, hi = _ranges.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            var r = _ranges[mid];
            if (offset < r.First) hi = mid - 1;
            else if (offset > r.Last) lo = mid + 1;
            else return mid;
        }
        return ~lo;
    }

    /// <summary>
    /// Splits ranges so that [<paramref name="first"/>, <paramref name="last"/>] starts and ends on range
    /// boundaries; returns the index range [from, to) of the ranges inside it (possibly empty).
    /// </summary>
    public (int From, int To) Isolate(long first, long last)
    {
        SplitBefore(first);
        SplitBefore(last + 1);
        int from = Find(first);
        if (from < 0) from = ~from;
        int to = from;
        while (to < _ranges.Count && _ranges[to].Last <= last) to++;
        return (from, to);
    }

    private void SplitBefore(long offset)
    {
        int i = Find(offset);
        if (i < 0) return;
        var r = _ranges[i];
        if (r.First == offset) return;
        var tail = r.CopyAs(offset, r.Last);
        r.Last = offset - 1;
        _ranges.Insert(i + 1, tail);
    }

    /// <summary>Merges adjacent ranges in the same state, count, owner and lock.</summary>
    public void Coalesce()
    {
        if (_ranges.Count < 2) return;
        int w = 0;
        for (int i = 1; i < _ranges.Count; i++)
        {
            var prev = _ranges[w];
            var cur = _ranges[i];
            if (prev.Last + 1 == cur.First && prev.SameStateAs(cur)) prev.Last = cur.Last;
            else _ranges[++w] = cur;
        }
        _ranges.RemoveRange(w + 1, _ranges.Count - w - 1);
    }

    /// <summary>Drops leading ranges that are finished (acknowledged or archived) or wholly below <paramref name="below"/> and not acquired.</summary>
    public void DropFinishedHead(long below)
    {
        int n = 0;
        while (n < _ranges.Count && (_ranges[n].IsTerminal || (_ranges[n].Last < below && _ranges[n].State != DeliveryState.Acquired))) n++;
        if (n > 0) _ranges.RemoveRange(0, n);
    }
}
