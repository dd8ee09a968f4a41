using System.Buffers;
using BenchmarkDotNet.Attributes;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Records;
using Chronik.Protocol.Wire;

namespace Chronik.Benchmarks;

/// <summary>Request/response codec hot paths: decode+validate a 1 MiB Produce v9, encode a 1 MiB Fetch v12 response.</summary>
[MemoryDiagnoser]
public class ProtocolBenchmarks
{
    private const int OneMiB = 1024 * 1024;
    private byte[] _produceFrame = [];
    private byte[] _records = [];
    private FetchResponse _fetch = new();
    private readonly ArrayBufferWriter<byte> _output = new(2 * OneMiB);

    [GlobalSetup]
    public void Setup()
    {
        var value = new byte[1024];
        new Random(3).NextBytes(value);
        var all = new ArrayBufferWriter<byte>(OneMiB + 64 * 1024);
        using var builder = new RecordBatchBuilder();
        while (all.WrittenCount < OneMiB - 20 * 1024)
        {
            builder.Reset();
            for (int i = 0; i < 16; i++) builder.Append(1_700_000_000_000 + i, "key"u8, value);
            builder.WriteTo(all);
        }
        _records = all.WrittenSpan.ToArray();
        var produce = new ProduceRequest
        {
            Acks = -1,
            TimeoutMs = 30000,
            TopicData = [new ProduceRequest.TopicProduceData { Name = "bench", PartitionData = [new ProduceRequest.PartitionProduceData { Index = 0, Records = _records }] }],
        };
        var header = new RequestHeader { RequestApiKey = 0, RequestApiVersion = 9, CorrelationId = 1, ClientId = "bench" };
        _produceFrame = [.. header.ToBytes(2), .. produce.ToBytes(9)];
        _fetch = new FetchResponse
        {
            SessionId = 0,
            Responses = [new FetchResponse.FetchableTopicResponse
            {
                Topic = "bench",
                Partitions = [new FetchResponse.PartitionData { PartitionIndex = 0, HighWatermark = 1000, LastStableOffset = 1000, LogStartOffset = 0, AbortedTransactions = null, Records = _records }],
            }],
        };
    }

    /// <summary>Header parse, body decode (records sliced, not copied) and CRC-32C validation of every batch.</summary>
    [Benchmark]
    public long DecodeAndValidateProduceV9()
    {
        var reader = new KafkaReader(_produceFrame);
        var header = ApiKeys.ReadRequestHeader(ref reader);
        var request = new ProduceRequest();
        request.Read(ref reader, header.RequestApiVersion);
        var records = request.TopicData[0].PartitionData[0].Records!.Value;
        RecordBatchValidator.Validate(records.Span, out var summary);
        return summary.RecordCount;
    }

    [Benchmark]
    public int EncodeFetchV12Response()
    {
        _output.ResetWrittenCount();
        return _fetch.WriteTo(_output, 12);
    }

    [Benchmark]
    public uint Crc32COf1MiB() => Crc32C.Compute(_records);
}
