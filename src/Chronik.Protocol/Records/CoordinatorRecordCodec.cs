using Chronik.Protocol.Wire;

namespace Chronik.Protocol.Records;

/// <summary>
/// The framing of coordinator records (__consumer_offsets, __transaction_state, __share_group_state) as Kafka writes
/// them: a record key is an int16 record type (the schema's apiKey) then the key's fields at version 0; a value is an
/// int16 version then the value's fields at that version. The fields come from the generated record codecs.
/// </summary>
public static class CoordinatorRecordCodec
{
    /// <summary>The key of record type <paramref name="type"/>.</summary>
    public static byte[] Key(short type, IKafkaMessage key)
    {
        var buffer = new byte[2 + key.ComputeSize(0)];
        var w = new KafkaWriter(buffer);
        w.WriteInt16(type);
        key.Write(ref w, 0);
        return buffer;
    }

    /// <summary>A value written at <paramref name="version"/>.</summary>
    public static byte[] Value(IKafkaMessage value, short version)
    {
        var buffer = new byte[2 + value.ComputeSize(version)];
        var w = new KafkaWriter(buffer);
        w.WriteInt16(version);
        value.Write(ref w, version);
        return buffer;
    }

    /// <summary>The record type a key carries, or -1 for a key too short to carry one.</summary>
    public static short Type(ReadOnlySpan<byte> key) => key.Length >= 2 ? (short)((key[0] << 8) | key[1]) : (short)-1;

    /// <summary>Decodes a key's fields (after its record type) into <paramref name="key"/>.</summary>
    public static T ReadKey<T>(T key, ReadOnlyMemory<byte> bytes) where T : IKafkaMessage
    {
        if (bytes.Length < 2) KafkaProtocolException.Throw("coordinator record key shorter than its type");
        return key.ReadFrom(bytes[2..], 0);
    }

    /// <summary>Decodes a value (its int16 version, then its fields at that version) into <paramref name="value"/>.</summary>
    public static T ReadValue<T>(T value, ReadOnlyMemory<byte> bytes, out short version) where T : IKafkaMessage
    {
        if (bytes.Length < 2) KafkaProtocolException.Throw("coordinator record value shorter than its version");
        version = (short)((bytes.Span[0] << 8) | bytes.Span[1]);
        if (version < value.LowestSupportedVersion || version > value.HighestSupportedVersion)
        {
            KafkaProtocolException.Throw($"{value.GetType().Name} version {version} is not supported");
        }
        return value.ReadFrom(bytes[2..], version);
    }
}
