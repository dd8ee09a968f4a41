using Chronik.Protocol.Records.Metadata;
using Chronik.Protocol.Wire;

namespace Chronik.Coordination.Metadata;

/// <summary>One metadata record and the version it is written at (Kafka's ApiMessageAndVersion).</summary>
public readonly record struct MetadataRecord(IKafkaMessage Message, short Version)
{
    /// <summary>The record type: the schema's apiKey (<see cref="MetadataRecordTypes"/>).</summary>
    public short Type => Message.ApiKey;

    /// <summary>The record at the highest version this build writes.</summary>
    public static MetadataRecord Of(IKafkaMessage message) => new(message, MetadataRecordTypes.HighestVersion(message.ApiKey));
}
