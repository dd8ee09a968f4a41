namespace Chronik.Protocol.Generator;

/// <summary>
/// A family of persisted records: where its schemas are (a folder of Kafka's records/ and, for Chronik's own records,
/// a folder of src/Chronik.Protocol.Generator/records), which schema types it takes, and where its code goes.
/// Coordinator families have a key and a value schema per record type: the key is written as an int16 record type
/// then the key's fields (version 0), the value as an int16 version then its fields, as Kafka's coordinators do.
/// </summary>
/// <param name="KafkaSubdir">The folder under Kafka's records/ (metadata, group-coordinator, ...).</param>
/// <param name="OwnSubdir">The folder under our own records/ ("" for its top level).</param>
/// <param name="Types">The schema types taken ("metadata", or "coordinator-key" and "coordinator-value").</param>
/// <param name="Namespace">The namespace of the generated classes.</param>
/// <param name="OutSubdir">The folder under Generated/Records ("" for its top level).</param>
/// <param name="TableName">The generated table class.</param>
public sealed record RecordFamily(string KafkaSubdir, string OwnSubdir, IReadOnlyList<string> Types, string Namespace, string OutSubdir, string TableName)
{
    public const string CoordinatorKey = "coordinator-key";
    public const string CoordinatorValue = "coordinator-value";

    private static readonly string[] Coordinator = [CoordinatorKey, CoordinatorValue];

    /// <summary>The KRaft metadata records (the metadata store's log).</summary>
    public static RecordFamily Metadata { get; } =
        new("metadata", "", ["metadata"], RecordCodeGenerator.Namespace, "", "MetadataRecordTypes");

    /// <summary>The records of __consumer_offsets (offsets, classic, consumer, share and streams groups).</summary>
    public static RecordFamily GroupCoordinator { get; } =
        new("group-coordinator", "group-coordinator", Coordinator, "Chronik.Protocol.Records.GroupCoordinator", "GroupCoordinator", "GroupCoordinatorRecordTypes");

    /// <summary>The records of __transaction_state.</summary>
    public static RecordFamily TransactionCoordinator { get; } =
        new("transaction-coordinator", "transaction-coordinator", Coordinator, "Chronik.Protocol.Records.TransactionCoordinator", "TransactionCoordinator", "TransactionCoordinatorRecordTypes");

    /// <summary>The records of __share_group_state.</summary>
    public static RecordFamily ShareCoordinator { get; } =
        new("share-coordinator", "share-coordinator", Coordinator, "Chronik.Protocol.Records.ShareCoordinator", "ShareCoordinator", "ShareCoordinatorRecordTypes");

    public static IReadOnlyList<RecordFamily> All { get; } = [Metadata, GroupCoordinator, TransactionCoordinator, ShareCoordinator];

    public bool IsCoordinator => Types.Contains(CoordinatorKey);

    /// <summary>
    /// Kafka's folder (CHRONIK_RECORD_SCHEMAS overrides the records/ root) and ours; our top level holds only files, so
    /// the metadata family reads our records/*.json and the others our records/&lt;family&gt;/*.json.
    /// </summary>
    public IReadOnlyList<string> SchemaDirs(string repoRoot)
    {
        string kafkaRoot = Environment.GetEnvironmentVariable("CHRONIK_RECORD_SCHEMAS") is { Length: > 0 } env
            ? env
            : Path.GetFullPath(Path.Combine(repoRoot, "..", "shared", "kafka-protocol-4.3", "records"));
        return [Path.Combine(kafkaRoot, KafkaSubdir), Path.Combine(RecordCodeGenerator.OwnSchemaDir(repoRoot), OwnSubdir)];
    }
}
