using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;
using Xunit;

namespace Chronik.Protocol.Tests.Generated;

/// <summary>Decodes a hand-built frame with the generated codec, checks nothing is left over, and that re-encoding gives the same bytes.</summary>
internal static class GoldenDecode
{
    public static T Request<T>(byte[] frame, short apiKey, short version, int correlationId) where T : IKafkaMessage, new()
    {
        var reader = new KafkaReader(frame);
        var header = ApiKeys.ReadRequestHeader(ref reader);
        Assert.Equal((apiKey, version, correlationId, "golden"), (header.RequestApiKey, header.RequestApiVersion, header.CorrelationId, header.ClientId));
        var body = new T();
        Assert.Equal(apiKey, body.ApiKey);
        body.Read(ref reader, version);
        Assert.True(reader.End, $"{reader.Remaining} bytes left after the body");
        short headerVersion = ApiKeys.RequestHeaderVersion(apiKey, version);
        Assert.Equal(2, headerVersion);
        byte[] again = [.. header.ToBytes(headerVersion), .. body.ToBytes(version)];
        Assert.Equal(frame, again);
        return body;
    }

    public static T Response<T>(byte[] frame, short version, int correlationId) where T : IKafkaMessage, new()
    {
        var reader = new KafkaReader(frame);
        var body = new T();
        Assert.Equal(1, ApiKeys.ResponseHeaderVersion(body.ApiKey, version));
        Assert.Equal(correlationId, reader.ReadInt32());
        Assert.Equal(0, reader.ReadTaggedFieldCount());
        body.Read(ref reader, version);
        Assert.True(reader.End, $"{reader.Remaining} bytes left after the body");
        byte[] again = [.. frame.AsSpan(0, 5), .. body.ToBytes(version)];
        Assert.Equal(frame, again);
        return body;
    }

    /// <summary>A record batch librdkafka wrote (Fixtures/batches/none.bin): an independent payload for Produce and Fetch.</summary>
    public static byte[] LibrdkafkaBatch() => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "batches", "none.bin"));
}
