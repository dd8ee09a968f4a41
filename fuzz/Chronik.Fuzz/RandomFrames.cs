using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;

namespace Chronik.Fuzz;

/// <summary>One (api, version range) the broker advertises in ApiVersions.</summary>
internal readonly record struct ApiRange(short Key, short Min, short Max);

/// <summary>
/// Random frames for every advertised (api, version): a valid request header, then either random bytes or a message
/// shaped like the schema (<see cref="SchemaMessages"/>) whose values are random.
/// </summary>
internal sealed class RandomFrames(Random random, IReadOnlyList<ApiRange> apis, SchemaMessages schema)
{
    private int _correlation;

    /// <summary>A frame without its size prefix; <paramref name="shaped"/> asks for a schema-shaped body.</summary>
    public byte[] Next(bool shaped)
    {
        var api = apis[random.Next(apis.Count)];
        short version = (short)random.Next(api.Min, api.Max + 1);
        byte[] body = (shaped ? schema.RandomBody(api.Key, version) : null) ?? RandomBytes();
        return Header(api.Key, version, ++_correlation, random.Next(8) == 0 ? null : "fuzz") is var h ? [.. h, .. body] : body;
    }

    public static byte[] Header(short apiKey, short version, int correlation, string? clientId)
    {
        var header = new RequestHeader { RequestApiKey = apiKey, RequestApiVersion = version, CorrelationId = correlation, ClientId = clientId };
        return header.ToBytes(ApiKeys.RequestHeaderVersion(apiKey, version));
    }

    private byte[] RandomBytes()
    {
        int n = random.Next(4) switch { 0 => 0, 1 => random.Next(8), 2 => random.Next(64), _ => random.Next(1024) };
        var b = new byte[n];
        random.NextBytes(b);
        // Mostly small numbers, so length prefixes and counts often fit what follows.
        for (int i = 0; i < n; i++) if (random.Next(3) != 0) b[i] = (byte)(random.Next(3) == 0 ? 0xff : random.Next(4));
        return b;
    }
}
