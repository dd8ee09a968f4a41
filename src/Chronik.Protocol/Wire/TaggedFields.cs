namespace Chronik.Protocol.Wire;

/// <summary>Helpers the generated code uses to write back unknown tagged fields in tag order.</summary>
public static class TaggedFields
{
    /// <summary>Writes unknown fields from <paramref name="index"/> whose tag is below <paramref name="tagLimit"/>; returns the next index.</summary>
    public static int WriteUnknownBefore(ref KafkaWriter writer, List<RawTaggedField>? unknown, int index, int tagLimit)
    {
        if (unknown is null) return index;
        while (index < unknown.Count && unknown[index].Tag < tagLimit)
        {
            var f = unknown[index++];
            writer.WriteUnsignedVarInt((uint)f.Tag);
            writer.WriteUnsignedVarInt((uint)f.Data.Length);
            writer.WriteRaw(f.Data);
        }
        return index;
    }

    public static int UnknownSize(List<RawTaggedField>? unknown)
    {
        if (unknown is null) return 0;
        int size = 0;
        foreach (var f in unknown) size += KafkaSizes.UnsignedVarInt((uint)f.Tag) + KafkaSizes.UnsignedVarInt((uint)f.Data.Length) + f.Data.Length;
        return size;
    }
}
