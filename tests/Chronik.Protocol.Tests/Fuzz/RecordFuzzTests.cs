using System.Buffers.Binary;
using System.Text;
using Chronik.Protocol.Compression;
using Chronik.Protocol.Records;
using Chronik.Protocol.Tests.Records;
using Xunit;
using Xunit.Abstractions;

namespace Chronik.Protocol.Tests.Fuzz;

/// <summary>
/// The record-batch validator and reader, legacy message sets and the four codecs, fed mutated valid input: only
/// <see cref="CorruptRecordException"/> and <see cref="CompressionException"/> escape, and allocation stays within
/// the input's budget plus the configured decompression limit.
/// </summary>
public class RecordFuzzTests(ITestOutputHelper output)
{
    private const int DefaultMutations = 16000;
    private const int MaxDecompressed = 256 * 1024;
    /// <summary>Decompressed output up to the limit, the buffer growing past it once, and one codec-side copy.</summary>
    private const long DecompressionBudget = 4L * MaxDecompressed;

    /// <summary>The v2 header's fields (offset, width), which the mutator hits on purpose a third of the time.</summary>
    private static readonly (int Offset, int Width)[] s_headerFields =
    [
        (RecordBatchHeader.BaseOffsetOffset, 8), (RecordBatchHeader.BatchLengthOffset, 4), (RecordBatchHeader.MagicOffset, 1),
        (RecordBatchHeader.AttributesOffset, 2), (RecordBatchHeader.LastOffsetDeltaOffset, 4), (RecordBatchHeader.ProducerIdOffset, 8),
        (RecordBatchHeader.BaseSequenceOffset, 4), (RecordBatchHeader.RecordCountOffset, 4), (RecordBatchHeader.Size, 1), (RecordBatchHeader.Size, 4),
    ];

    private static bool Allowed(Exception e) => e is CorruptRecordException or CompressionException;

    public static TheoryData<CompressionType> Codecs => new()
    {
        CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd,
    };

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Batch_validator_and_reader_reject_malformed_batches_cleanly(CompressionType codec)
    {
        var seeds = new List<byte[]>
        {
            RecordBatchTests.BuildBatch(codec, count: 10, producerId: 7, baseSequence: 3),
            RecordBatchTests.BuildBatch(codec, count: 1),
            Concat(RecordBatchTests.BuildBatch(codec, count: 3), RecordBatchTests.BuildBatch(codec, count: 2)),
            ControlRecord.BuildTransactionMarker(ControlRecordType.Commit, 5, 1, 2, 1_700_000_000_000),
            File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "batches", FixtureName(codec) + ".bin")),
        };
        var run = new FuzzRun(Allowed);
        var mutator = new FuzzMutator(DecoderFuzzTests.StableSeed("batch", (int)codec));
        int mutations = FuzzRun.Iterations(DefaultMutations);
        foreach (var seed in seeds) run.Decode($"{codec} batch", seed, DecodeBatches, DecompressionBudget);
        for (int i = 0; i < mutations; i++)
        {
            var input = mutator.Mutate(seeds[i % seeds.Count]);
            if (i % 3 == 0)
            {
                var (offset, width) = s_headerFields[mutator.Random.Next(s_headerFields.Length)];
                mutator.OverwriteField(input, offset, width);
            }
            // Half the inputs get a correct CRC again, so the validator's later checks and the reader see them too.
            if (i % 2 == 0) FixCrc(input);
            run.Decode($"{codec} batch", input, DecodeBatches, DecompressionBudget);
        }
        for (int i = 0; i < mutations / 8; i++)
        {
            var input = mutator.RandomBytes(256);
            if (input.Length > RecordBatchHeader.Size)
            {
                input[RecordBatchHeader.MagicOffset] = 2;
                BinaryPrimitives.WriteInt32BigEndian(input.AsSpan(RecordBatchHeader.BatchLengthOffset), input.Length - RecordBatchHeader.LogOverhead);
                FixCrc(input);
            }
            run.Decode($"{codec} random batch", input, DecodeBatches, DecompressionBudget);
        }
        output.WriteLine($"{codec} batches: {run.Decodes} decodes, {run.Rejected} rejected");
        Assert.True(run.Report().Length == 0, run.Report());
    }

    [Fact]
    public void Legacy_message_set_reader_rejects_malformed_sets_cleanly()
    {
        var inner = Concat(LegacyMessageSetTests.Message(0, 1, 0, 10, "a", "va"u8.ToArray()), LegacyMessageSetTests.Message(1, 1, 0, 11, null, "vb"u8.ToArray()));
        var seeds = new List<byte[]>
        {
            Concat(LegacyMessageSetTests.Message(5, 0, 0, -1, "k0", "v0"u8.ToArray()), LegacyMessageSetTests.Message(6, 1, 0, 1234, null, null)),
        };
        foreach (var codec in new[] { CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4 })
            seeds.Add(LegacyMessageSetTests.Message(9, 1, (byte)codec, 20, null, LegacyMessageSetTests.Compress(codec, inner)));
        var run = new FuzzRun(Allowed);
        var mutator = new FuzzMutator(DecoderFuzzTests.StableSeed("legacy", 0));
        int mutations = FuzzRun.Iterations(DefaultMutations);
        for (int i = 0; i < seeds.Count + mutations; i++)
        {
            var input = i < seeds.Count ? seeds[i] : mutator.Mutate(seeds[i % seeds.Count]);
            bool verify = i % 2 == 0;
            run.Decode("legacy set", input, bytes =>
            {
                foreach (var m in new LegacyMessageSetReader(bytes, verifyCrc: verify, maxDecompressedSize: MaxDecompressed))
                    _ = m.Key.Length + m.Value.Length + m.Offset + m.Timestamp;
            }, DecompressionBudget);
        }
        output.WriteLine($"legacy sets: {run.Decodes} decodes, {run.Rejected} rejected");
        Assert.True(run.Report().Length == 0, run.Report());
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Decompressor_rejects_corrupt_input_cleanly(CompressionType codec)
    {
        var text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 400).Select(i => $"record-{i % 37};")));
        var random = new byte[3000];
        new Random(5).NextBytes(random);
        var seeds = new List<byte[]> { Compress(codec, text), Compress(codec, random), Compress(codec, new byte[100_000]), Compress(codec, []) };
        var run = new FuzzRun(Allowed);
        var mutator = new FuzzMutator(DecoderFuzzTests.StableSeed("codec", (int)codec));
        int mutations = FuzzRun.Iterations(DefaultMutations);
        for (int i = 0; i < seeds.Count + mutations; i++)
        {
            var input = i < seeds.Count ? seeds[i] : mutator.Mutate(seeds[i % seeds.Count]);
            run.Decode($"{codec} decompress", input, bytes =>
            {
                using var sink = new PooledBufferWriter(1024);
                CompressionCodecs.Decompress(codec, bytes, sink, MaxDecompressed);
            }, DecompressionBudget);
        }
        output.WriteLine($"{codec} decompress: {run.Decodes} decodes, {run.Rejected} rejected");
        Assert.True(run.Report().Length == 0, run.Report());
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Decompression_bomb_stops_at_the_configured_limit(CompressionType codec)
    {
        byte[] bomb = Compress(codec, new byte[16 * 1024 * 1024]);
        var run = new FuzzRun(e => e is CompressionException);
        run.Decode($"{codec} bomb", bomb, bytes =>
        {
            using var sink = new PooledBufferWriter(1024);
            CompressionCodecs.Decompress(codec, bytes, sink, MaxDecompressed);
            Assert.Fail("a 16 MiB expansion passed a 256 KiB limit");
        }, DecompressionBudget);
        Assert.True(run.Report().Length == 0, run.Report());
        Assert.Equal(1, run.Rejected);
    }

    private static void DecodeBatches(byte[] bytes)
    {
        RecordBatchValidator.Validate(bytes, out _, RecordValidationMode.Client);
        RecordBatchValidator.Validate(bytes, out _, RecordValidationMode.Log);
        foreach (var entry in new RecordBatchEnumerator(bytes)) ReadAll(entry.Bytes);
        // Storage and recovery open batches straight from a buffer too, without the enumerator's length checks.
        if (bytes.Length >= RecordBatchHeader.Size) ReadAll(bytes);
    }

    private static void ReadAll(ReadOnlySpan<byte> batchBytes)
    {
        using var batch = DecodedRecordBatch.Open(batchBytes, MaxDecompressed);
        foreach (var r in batch)
        {
            _ = r.Offset(batch.Header) + r.Timestamp(batch.Header) + r.Key.Length + r.Value.Length;
            if (batch.Header.IsControl) ControlRecord.TryReadKey(r.Key, out _, out _);
            foreach (var h in r.Headers) _ = h.Key.Length + h.Value.Length;
        }
    }

    /// <summary>Rewrites the first batch's CRC-32C when its header is intact enough to say where the batch ends.</summary>
    private static void FixCrc(byte[] input)
    {
        if (input.Length < RecordBatchHeader.Size) return;
        long end = RecordBatchHeader.LogOverhead + (long)BinaryPrimitives.ReadInt32BigEndian(input.AsSpan(RecordBatchHeader.BatchLengthOffset));
        if (end < RecordBatchHeader.Size || end > input.Length) return;
        var batch = input.AsSpan(0, (int)end);
        BinaryPrimitives.WriteUInt32BigEndian(batch[RecordBatchHeader.CrcOffset..], RecordBatchHeader.ComputeCrc(batch));
    }

    private static byte[] Compress(CompressionType codec, byte[] data)
    {
        using var w = new PooledBufferWriter();
        CompressionCodecs.Compress(codec, data, w);
        return w.ToArray();
    }

    private static byte[] Concat(byte[] a, byte[] b) => [.. a, .. b];

    private static string FixtureName(CompressionType codec) => codec.ToString().ToLowerInvariant();
}
