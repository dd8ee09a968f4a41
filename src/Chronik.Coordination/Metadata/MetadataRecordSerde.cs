using Chronik.Protocol.Records.Metadata;
using Chronik.Protocol.Wire;

namespace Chronik.Coordination.Metadata;

/// <summary>
/// One record's frame, as Kafka's MetadataRecordSerde writes it: unsigned varints for the frame version (1), the
/// record type and the record version, then the record body in its (flexible) schema encoding.
/// </summary>
public static class MetadataRecordSerde
{
    public const byte FrameVersion = 1;

    public static int Size(MetadataRecord r) =>
        1 + KafkaSizes.UnsignedVarInt((uint)r.Type) + KafkaSizes.UnsignedVarInt((uint)r.Version) + r.Message.ComputeSize(r.Version);

    /// <summary>Writes the frame into exactly <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    public static void Write(MetadataRecord r, Span<byte> destination)
    {
        var w = new KafkaWriter(destination);
        w.WriteUnsignedVarInt(FrameVersion);
        w.WriteUnsignedVarInt((uint)r.Type);
        w.WriteUnsignedVarInt((uint)r.Version);
        r.Message.Write(ref w, r.Version);
    }

    /// <summary>Decodes one frame; an unknown frame version, record type or version is <see cref="InvalidDataException"/>.</summary>
    public static MetadataRecord Read(ReadOnlyMemory<byte> frame)
    {
        var r = new KafkaReader(frame);
        uint frameVersion = r.ReadUnsignedVarInt();
        if (frameVersion != FrameVersion) throw new InvalidDataException($"unknown metadata record frame version {frameVersion}");
        uint type = r.ReadUnsignedVarInt(), version = r.ReadUnsignedVarInt();
        if (type > short.MaxValue || MetadataRecordTypes.Create((short)type) is not { } message)
        {
            throw new InvalidDataException($"unknown metadata record type {type}");
        }
        if (version > (uint)MetadataRecordTypes.HighestVersion((short)type)) throw new InvalidDataException($"metadata record type {type} at unknown version {version}");
        message.Read(ref r, (short)version);
        if (r.Remaining != 0) throw new InvalidDataException($"metadata record type {type} v{version}: {r.Remaining} bytes left over");
        return new MetadataRecord(message, (short)version);
    }
}
