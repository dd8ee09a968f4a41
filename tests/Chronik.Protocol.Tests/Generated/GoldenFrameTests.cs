using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;
using Xunit;

namespace Chronik.Protocol.Tests.Generated;

/// <summary>
/// Request frames captured from independent clients (kcat/librdkafka 2.0.2, rdkafka_performance/librdkafka
/// 2.12, kafkajs 2.2.4, kafka-python) through Fixtures/tools/record_proxy.py: each decodes without error and
/// re-encodes to identical bytes.
/// </summary>
public class GoldenFrameTests
{
    private static string Dir => Path.Combine(AppContext.BaseDirectory, "Fixtures", "frames");

    public static IEnumerable<object[]> Frames() =>
        Directory.GetFiles(Dir, "*.bin").Select(f => new object[] { Path.GetFileName(f) }).OrderBy(f => (string)f[0], StringComparer.Ordinal);

    [Fact]
    public void Fixtures_cover_four_independent_clients()
    {
        var prefixes = Frames().Select(f => ((string)f[0]).Split("-k")[0]).Distinct().ToList();
        Assert.Contains("kcat", prefixes);
        Assert.Contains("rdkafka212", prefixes);
        Assert.Contains("kafkajs", prefixes);
        Assert.Contains("kafka-python", prefixes);
    }

    [Theory]
    [MemberData(nameof(Frames))]
    public void Captured_request_decodes_and_reencodes_identically(string file)
    {
        byte[] frame = File.ReadAllBytes(Path.Combine(Dir, file));
        var reader = new KafkaReader(frame);
        var header = ApiKeys.ReadRequestHeader(ref reader);
        short headerVersion = ApiKeys.RequestHeaderVersion(header.RequestApiKey, header.RequestApiVersion);
        var body = ApiKeys.CreateRequest(header.RequestApiKey)!;
        body.Read(ref reader, header.RequestApiVersion);
        Assert.True(reader.End, $"{reader.Remaining} bytes left after decoding {file}");
        byte[] again = [.. header.ToBytes(headerVersion), .. body.ToBytes(header.RequestApiVersion)];
        Assert.Equal(frame, again);
    }
}
