using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;
using Xunit;

namespace Chronik.Protocol.Tests.Wire;

/// <summary>What the reader refuses before it allocates: negative lengths other than null, overlong varints, and tagged fields that claim more than they hold.</summary>
public class KafkaReaderBoundsTests
{
    private static KafkaProtocolException Rejects(byte[] bytes, ReaderAction read) =>
        Assert.Throws<KafkaProtocolException>(() =>
        {
            var r = new KafkaReader(bytes);
            read(ref r);
        });

    private delegate void ReaderAction(ref KafkaReader reader);

    [Fact]
    public void Minus_one_is_null_and_other_negative_lengths_are_rejected()
    {
        var r = new KafkaReader(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF });
        Assert.Null(r.ReadBytes(compact: false, nullable: true));
        Assert.Null(r.ReadString(compact: false, nullable: true));
        Rejects([0xFF, 0xFE, 0x41], (ref KafkaReader x) => x.ReadString(compact: false, nullable: true));
        Rejects([0xFF, 0xFF, 0xFF, 0xFE], (ref KafkaReader x) => x.ReadBytes(compact: false, nullable: true));
        Rejects([0x80, 0x00, 0x00, 0x00], (ref KafkaReader x) => x.ReadArrayLength(compact: false));
        Rejects([0xFF, 0xFF, 0xFF, 0xFE], (ref KafkaReader x) => x.ReadRecords(compact: false));
    }

    [Fact]
    public void Compact_lengths_above_int_max_are_rejected_not_wrapped()
    {
        // 0xFFFFFFFF - 1 would wrap to -2 (taken as null before); 0x80000000 - 1 to int.MaxValue.
        Rejects([0xFF, 0xFF, 0xFF, 0xFF, 0x0F], (ref KafkaReader x) => x.ReadBytes(compact: true, nullable: true));
        Rejects([0x80, 0x80, 0x80, 0x80, 0x08], (ref KafkaReader x) => x.ReadArrayLength(compact: true));
        var r = new KafkaReader(new byte[] { 0x00 });
        Assert.Equal(-1, r.ReadArrayLength(compact: true));
    }

    [Fact]
    public void Varints_that_overflow_their_width_are_rejected()
    {
        var r = new KafkaReader(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x0F });
        Assert.Equal(uint.MaxValue, r.ReadUnsignedVarInt());
        Assert.Contains("overflows", Rejects([0xFF, 0xFF, 0xFF, 0xFF, 0x1F], (ref KafkaReader x) => x.ReadUnsignedVarInt()).Message, StringComparison.Ordinal);
        Assert.Contains("longer", Rejects([0xFF, 0xFF, 0xFF, 0xFF, 0x8F, 0x00], (ref KafkaReader x) => x.ReadUnsignedVarInt()).Message, StringComparison.Ordinal);
        var l = new KafkaReader(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 });
        Assert.Equal(ulong.MaxValue, l.ReadUnsignedVarLong());
        Rejects([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02], (ref KafkaReader x) => x.ReadUnsignedVarLong());
    }

    [Fact]
    public void Strings_longer_than_kafkas_limit_are_rejected_even_when_compact()
    {
        var bytes = new byte[3 + 40_000];
        bytes[0] = 0xC2; bytes[1] = 0xB8; bytes[2] = 0x02; // unsigned varint 40001: a 40000-byte compact string
        Rejects(bytes, (ref KafkaReader x) => x.ReadString(compact: true, nullable: false));
    }

    [Fact]
    public void Tagged_field_counts_and_sizes_must_fit_in_the_frame()
    {
        // MetadataRequest v12 with no topics (null), flags, then the tagged section.
        byte[] body = [0x00, 0x00, 0x00];
        Rejects([.. body, 0x7F], (ref KafkaReader x) => new MetadataRequest().Read(ref x, 12));
        Rejects([.. body, 0x01, 0x05, 0x10, 0x00], (ref KafkaReader x) => new MetadataRequest().Read(ref x, 12));
        Rejects([.. body, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00], (ref KafkaReader x) => new MetadataRequest().Read(ref x, 12));
    }

    [Fact]
    public void A_known_tagged_field_cannot_read_past_its_declared_size()
    {
        // ApiVersionsResponse v3: error code, empty api keys, throttle, then tag 0 (SupportedFeatures) of 2 bytes
        // whose array claims 1000 elements: the claim is checked against those 2 bytes, not the 2000 after them.
        byte[] bytes = [0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0xE9, 0x07, .. new byte[2000]];
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Rejects(bytes, (ref KafkaReader x) => new ApiVersionsResponse().Read(ref x, 3));
        Assert.Contains("array length exceeds", e.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 8000);
    }

    [Fact]
    public void An_array_count_must_fit_its_elements_minimum_size()
    {
        // MetadataRequest v4 topics hold one non-compact string each (2 bytes at least), then allow_auto_topic_creation.
        byte[] four = [0x00, 0x00, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0x01];
        var r = new KafkaReader(four);
        var m = new MetadataRequest();
        m.Read(ref r, 4);
        Assert.Equal(4, m.Topics!.Count);
        byte[] seven = [0x00, 0x00, 0x00, 0x07, 0, 0, 0, 0, 0, 0, 0, 0, 0x01];
        Assert.Contains("array length exceeds", Rejects(seven, (ref KafkaReader x) => new MetadataRequest().Read(ref x, 4)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_huge_array_length_allocates_nothing_for_it()
    {
        // MetadataRequest v4: topics array of int.MaxValue elements in an 8-byte frame.
        byte[] bytes = [0x7F, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00];
        long before = GC.GetAllocatedBytesForCurrentThread();
        Rejects(bytes, (ref KafkaReader x) => new MetadataRequest().Read(ref x, 4));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 * 1024);
    }
}
