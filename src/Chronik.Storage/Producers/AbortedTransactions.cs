namespace Chronik.Storage;

/// <summary>The search over one segment's aborted-transaction entries (Kafka's TransactionIndex.collectAbortedTxns).</summary>
internal static class AbortedTransactions
{
    /// <summary>
    /// Adds the entries overlapping [fetchOffset, upperBound) and returns true when the search is complete: an entry
    /// whose last stable offset reaches the upper bound proves every transaction that could overlap the range is
    /// already listed (later segments only hold transactions that ended later but began at or after that offset).
    /// </summary>
    public static bool Collect(ReadOnlySpan<AbortedTransaction> entries, long fetchOffset, long upperBound, List<AbortedTransaction> into)
    {
        foreach (ref readonly var e in entries)
        {
            if (e.LastOffset >= fetchOffset && e.FirstOffset < upperBound) into.Add(e);
            if (e.LastStableOffset >= upperBound) return true;
        }
        return false;
    }
}
