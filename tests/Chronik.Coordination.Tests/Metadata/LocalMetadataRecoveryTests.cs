using Chronik.Coordination.Metadata;

namespace Chronik.Coordination.Tests.Metadata;

/// <summary>
/// The local metadata log after a crash or a damaged disk: a torn tail, a corrupt batch in the middle and garbage
/// after the last batch are each cut at the last good batch, the state is what the good batches say, and the log
/// keeps appending from there.
/// </summary>
public sealed class LocalMetadataRecoveryTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "chronik-meta-recovery-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_dataDir, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    // Five batches of one record each ("a" at levels 1..5), then a clean close; returns each batch's end position.
    private List<long> WriteFive()
    {
        var ends = new List<long>();
        using var s = LocalMetadataStore.Open(_dataDir);
        for (short i = 1; i <= 5; i++)
        {
            s.Append([LevelsParticipant.Level("a", i)]);
            ends.Add(new FileInfo(Segment()).Length);
        }
        return ends;
    }

    private string Segment() => Directory.GetFiles(Path.Combine(_dataDir, LocalMetadataStore.DirectoryName), "*.log").Single();

    private (LocalMetadataStore Store, LevelsParticipant State) Reopen()
    {
        var s = LocalMetadataStore.Open(_dataDir);
        var p = new LevelsParticipant();
        s.Register(p);
        return (s, p);
    }

    [Fact]
    public void A_torn_last_batch_is_cut_and_the_log_continues_after_the_fourth()
    {
        var ends = WriteFive();
        using (var f = File.OpenWrite(Segment())) f.SetLength(ends[4] - 3);
        var (s, p) = Reopen();
        using (s)
        {
            Assert.Equal(4, s.NextOffset);
            Assert.Equal(ends[4] - 3 - ends[3], s.Recovery.TruncatedBytes);
            Assert.Equal(4, p.Levels["a"]);
            Assert.Equal(4, s.Append([LevelsParticipant.Level("a", 7)]));
        }
        var (again, q) = Reopen();
        using (again)
        {
            Assert.Equal(0, again.Recovery.TruncatedBytes);
            Assert.Equal(5, again.NextOffset);
            Assert.Equal(7, q.Levels["a"]);
        }
    }

    [Fact]
    public void A_corrupt_batch_in_the_middle_cuts_it_and_everything_after()
    {
        var ends = WriteFive();
        var bytes = File.ReadAllBytes(Segment());
        bytes[ends[1] + MetadataBatch.HeaderSize + 2] ^= 0x40; // inside the third batch's payload: its CRC no longer matches
        File.WriteAllBytes(Segment(), bytes);
        var (s, p) = Reopen();
        using (s)
        {
            Assert.Equal(2, s.NextOffset);
            Assert.Equal(ends[4] - ends[1], s.Recovery.TruncatedBytes);
            Assert.Equal(2, p.Levels["a"]);
            Assert.Equal(ends[1], new FileInfo(Segment()).Length);
        }
    }

    [Fact]
    public void Garbage_after_the_last_batch_is_cut_and_every_batch_kept()
    {
        var ends = WriteFive();
        using (var f = new FileStream(Segment(), FileMode.Append)) f.Write([0, 0, 0, 0, 0, 0, 0, 5, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3, 4, 9, 9]);
        var (s, p) = Reopen();
        using (s)
        {
            Assert.Equal(5, s.NextOffset);
            Assert.Equal(18, s.Recovery.TruncatedBytes);
            Assert.Equal(5, p.Levels["a"]);
            Assert.Equal(ends[4], new FileInfo(Segment()).Length);
        }
    }

    [Fact]
    public void A_snapshot_then_a_torn_tail_replays_the_snapshot_and_the_good_batches()
    {
        using (var s = LocalMetadataStore.Open(_dataDir))
        {
            var p = new LevelsParticipant();
            s.Register(p);
            for (short i = 1; i <= 3; i++) s.Append([LevelsParticipant.Level("n" + i, i)]);
            s.TakeSnapshot();
            s.Append([LevelsParticipant.Level("n4", 4)]);
            s.Append([LevelsParticipant.Level("n5", 5)]);
        }
        var seg = Directory.GetFiles(Path.Combine(_dataDir, LocalMetadataStore.DirectoryName), "*.log").Order(StringComparer.Ordinal).Last();
        using (var f = File.OpenWrite(seg)) f.SetLength(f.Length - 1);
        var (again, q) = Reopen();
        using (again)
        {
            Assert.Equal(3, again.Recovery.SnapshotEnd);
            Assert.Equal(4, again.NextOffset);
            Assert.Equal(["n1", "n2", "n3", "n4"], q.Levels.Keys.Order(StringComparer.Ordinal));
        }
    }
}
