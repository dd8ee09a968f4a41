using System.Collections.Concurrent;
using System.Text;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Records;

namespace Chronik.Broker.Services;

/// <summary>
/// KIP-714 client telemetry as a broker with no client-metrics subscriptions: every client gets an empty metrics list,
/// Kafka's default push interval and limits, and a subscription id derived from the (empty) subscription and its
/// instance id, so it needs no state beyond which instances said they are terminating. Pushed metrics are discarded.
/// </summary>
public sealed class ClientTelemetry
{
    /// <summary>Kafka's interval.ms default for client-metrics subscriptions.</summary>
    public const int PushIntervalMs = 300_000;
    /// <summary>Kafka's telemetry.max.bytes default.</summary>
    public const int TelemetryMaxBytes = 1_048_576;
    /// <summary>Kafka's preference order: zstd, lz4, gzip, snappy.</summary>
    public static readonly IReadOnlyList<sbyte> AcceptedCompressionTypes = [4, 3, 1, 2];

    private const int MaxTracked = 10_000;
    private static readonly int EmptySubscriptionCrc = (int)Crc32C.Compute(Encoding.UTF8.GetBytes("[]" + PushIntervalMs.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    private readonly ConcurrentDictionary<Guid, bool> _terminated = new();

    /// <summary>The subscription id of an instance: a CRC-32C of the (empty) metrics and interval XOR the instance id's hash, as Kafka computes it.</summary>
    public static int SubscriptionId(Guid clientInstanceId) => EmptySubscriptionCrc ^ clientInstanceId.GetHashCode();

    /// <summary>Answers GetTelemetrySubscriptions: assigns an instance id when the client sent zero.</summary>
    public GetTelemetrySubscriptionsResponse Subscribe(Guid clientInstanceId)
    {
        if (clientInstanceId == Guid.Empty) clientInstanceId = Guid.NewGuid();
        var response = new GetTelemetrySubscriptionsResponse
        {
            ClientInstanceId = clientInstanceId,
            SubscriptionId = SubscriptionId(clientInstanceId),
            PushIntervalMs = PushIntervalMs,
            TelemetryMaxBytes = TelemetryMaxBytes,
            DeltaTemporality = true,
        };
        response.AcceptedCompressionTypes.AddRange(AcceptedCompressionTypes);
        return response;
    }

    /// <summary>Checks a PushTelemetry as Kafka does (instance id, terminated instance, subscription id, compression type, size) and drops the metrics.</summary>
    public ErrorCode Push(PushTelemetryRequest request)
    {
        var id = request.ClientInstanceId;
        if (id == Guid.Empty || IsMetadataTopicId(id)) return ErrorCode.InvalidRequest;
        if (_terminated.ContainsKey(id)) return ErrorCode.InvalidRequest;
        try
        {
            if (request.SubscriptionId != SubscriptionId(id)) return ErrorCode.UnknownSubscriptionId;
            if (request.CompressionType is < 0 or > 4) return ErrorCode.UnsupportedCompressionType;
            if (request.Metrics.Length > TelemetryMaxBytes) return ErrorCode.TelemetryTooLarge;
            return ErrorCode.None;
        }
        finally
        {
            if (request.Terminating)
            {
                if (_terminated.Count >= MaxTracked) _terminated.Clear();
                _terminated[id] = true;
            }
        }
    }

    // Kafka reserves 0 and 1 (the metadata topic id) as instance ids; uuids are read big-endian, so this is 0…01 on the wire.
    private static readonly Guid MetadataTopicId = new("00000000-0000-0000-0000-000000000001");

    private static bool IsMetadataTopicId(Guid id) => id == MetadataTopicId;
}
