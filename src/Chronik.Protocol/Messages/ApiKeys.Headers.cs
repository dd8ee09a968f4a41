using Chronik.Protocol.Wire;

namespace Chronik.Protocol.Messages;

/// <summary>Header versions and O(1) lookups over the generated API table.</summary>
public static partial class ApiKeys
{
    private static readonly ApiInfo?[] ByKey = BuildIndex();

    private static ApiInfo?[] BuildIndex()
    {
        var arr = new ApiInfo?[All.Max(a => (int)a.Key) + 1];
        foreach (var a in All) arr[(int)a.Key] = a;
        return arr;
    }

    /// <summary>The entry for a key in O(1), or null.</summary>
    public static ApiInfo? Get(short key) => (uint)key < (uint)ByKey.Length ? ByKey[key] : null;

    /// <summary>Request header v2 for flexible versions, else v1 (the client id is present from v1).</summary>
    public static short RequestHeaderVersion(short apiKey, short apiVersion) =>
        Get(apiKey) is { } a && a.IsFlexible(apiVersion) ? (short)2 : (short)1;

    /// <summary>Response header v1 for flexible versions, else v0; ApiVersions always answers with v0.</summary>
    public static short ResponseHeaderVersion(short apiKey, short apiVersion) =>
        apiKey != (short)ApiKey.ApiVersions && Get(apiKey) is { } a && a.IsFlexible(apiVersion) ? (short)1 : (short)0;

    /// <summary>Reads a request header; the reader is left at the start of the body.</summary>
    public static RequestHeader ReadRequestHeader(ref KafkaReader reader)
    {
        // api key and version come first in every header version, so peek them to pick the header version.
        var peek = reader;
        short key = peek.ReadInt16();
        short version = peek.ReadInt16();
        var header = new RequestHeader();
        header.Read(ref reader, RequestHeaderVersion(key, version));
        return header;
    }
}
