using BenchmarkDotNet.Attributes;
using Chronik.Protocol.Compression;
using Chronik.Protocol.Records;

namespace Chronik.Benchmarks;

/// <summary>Hot paths of produce: CRC-32C and validating a 1 MiB records buffer of uncompressed batches with 1 KiB records.</summary>
[MemoryDiagnoser]
public class RecordBenchmarks
{
    private const int OneMiB = 1024 * 1024;
    private byte[] _random = [];
    private byte[] _batches = [];

    [GlobalSetup]
    public void Setup()
    {
        _random = new byte[OneMiB];
        new Random(1).NextBytes(_random);

        // Batches of 16 records of 1 KiB until 1 MiB is filled, like a producer with batch.size ~16 KiB.
        var value = new byte[1024];
        new Random(2).NextBytes(value);
        using var output = new PooledBufferWriter(OneMiB + 64 * 1024);
        using var builder = new RecordBatchBuilder();
        while (output.WrittenCount < OneMiB - 20 * 1024)
        {
            builder.Reset();
            for (int i = 0; i < 16; i++) builder.Append(1_700_000_000_000 + i, "key"u8, value);
            builder.WriteTo(output);
        }
        _batches = output.ToArray();
    }

    [Benchmark]
    public uint Crc32C_1MiB() => Crc32C.Compute(_random);

    [Benchmark]
    public long Validate_1MiB_uncompressed()
    {
        if (RecordBatchValidator.Validate(_batches, out var summary) != RecordValidationResult.Valid)
            throw new InvalidOperationException("benchmark data invalid");
        return summary.RecordCount;
    }

    [Benchmark]
    public long Iterate_records_1MiB_uncompressed()
    {
        long sum = 0;
        foreach (var entry in new RecordBatchEnumerator(_batches))
            foreach (var record in new RecordReader(entry.Bytes[RecordBatchHeader.Size..], entry.Header.RecordCount))
                sum += record.Value.Length;
        return sum;
    }
}
