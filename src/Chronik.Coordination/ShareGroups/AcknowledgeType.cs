namespace Chronik.Coordination.ShareGroups;

/// <summary>The acknowledge types of ShareFetch/ShareAcknowledge, with their wire values.</summary>
public enum AcknowledgeType : byte
{
    /// <summary>An offset with no record (compaction, control record): archived like a reject.</summary>
    Gap = 0,
    Accept = 1,
    Release = 2,
    Reject = 3,
    /// <summary>KIP-1222 (ShareFetch/ShareAcknowledge v2): keep the records acquired and restart their lock.</summary>
    Renew = 4,
}

/// <summary>ShareFetch v2's ShareAcquireMode (KIP-1206).</summary>
public enum ShareAcquireMode : byte
{
    /// <summary>MaxRecords is a soft limit: whole log batches are acquired.</summary>
    BatchOptimized = 0,
    /// <summary>MaxRecords is exact: batches are split.</summary>
    RecordLimit = 1,
}
