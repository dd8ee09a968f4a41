using Chronik.Protocol.Wire;

namespace Chronik.Broker.Security;

/// <summary>
/// A SASL token framed only by its 4-byte size: what flows after a SaslHandshake v0, before Kafka wrapped tokens in
/// SaslAuthenticate (KIP-152). Written with no response header.
/// </summary>
public sealed class RawSaslToken(byte[] token) : IKafkaMessage
{
    public short ApiKey => -1;
    public short LowestSupportedVersion => 0;
    public short HighestSupportedVersion => 0;
    public void Read(ref KafkaReader reader, short version) => throw new NotSupportedException();
    public void Write(ref KafkaWriter writer, short version) => writer.WriteRaw(token);
    public int ComputeSize(short version) => token.Length;
}
