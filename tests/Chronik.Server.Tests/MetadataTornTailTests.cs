using Chronik.Broker.Tests;
using Chronik.Protocol.Messages;
using static Chronik.Server.Tests.CrashServer;

namespace Chronik.Server.Tests;

/// <summary>
/// A torn or corrupt tail of the local metadata log (__cluster_metadata/*.log) after a SIGKILL: the server cuts it at
/// the last good batch, says so in its log, starts, serves what the good batches say, and takes changes again. The
/// byte-level cases (torn, CRC-bad, garbage, after a snapshot) are LocalMetadataRecoveryTests in Coordination.Tests.
/// </summary>
public sealed class MetadataTornTailTests : IDisposable
{
    private readonly CrashServer _server = new();

    public void Dispose() => _server.Dispose();

    private string LastSegment() =>
        Directory.GetFiles(Path.Combine(_server.DataDir, "__cluster_metadata"), "*.log")
            .Where(f => Path.GetFileNameWithoutExtension(f).All(char.IsAsciiDigit)) // not transactions.log
            .Order(StringComparer.Ordinal).Last();

    private static void CreateTopic(RawClient c, string name, int partitions)
    {
        var r = Call<CreateTopicsResponse>(c, new CreateTopicsRequest
        {
            Topics = [new() { Name = name, NumPartitions = partitions, ReplicationFactor = 1, Configs = [new() { Name = "retention.ms", Value = "654321" }] }],
            TimeoutMs = 10_000,
        }, 5);
        Assert.Equal(0, r.Topics[0].ErrorCode);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_torn_or_corrupt_last_batch_after_a_sigkill_is_cut_and_the_server_starts_without_that_change(bool corrupt)
    {
        long before, after;
        _server.Start();
        using (var c = await _server.ConnectAsync())
        {
            CreateTopic(c, "kept-a", 2);
            CreateTopic(c, "kept-b", 3);
            before = new FileInfo(LastSegment()).Length;
            // The last change: one batch (a TopicRecord, 4 PartitionRecords, a ConfigRecord) appended after "before".
            CreateTopic(c, "torn", 4);
            after = new FileInfo(LastSegment()).Length;
            _server.Process!.KillHard();
        }
        Assert.True(after > before + 20, $"the last batch is {after - before} bytes");
        using (var f = new FileStream(LastSegment(), FileMode.Open, FileAccess.ReadWrite))
        {
            if (corrupt)
            {
                // A flipped byte inside the batch: its length is whole, its CRC no longer matches; garbage follows it.
                f.Position = before + (after - before) / 2;
                int b = f.ReadByte();
                f.Position -= 1;
                f.WriteByte((byte)(b ^ 0x5a));
                f.Position = after;
                f.Write([0, 0, 0, 0, 0, 0, 0, 9, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3]);
            }
            else
            {
                f.SetLength(before + (after - before) / 2); // the write the kill tore
            }
        }

        _server.Start();
        using var r = await _server.ConnectAsync();
        var topics = Topics(r);
        Assert.Equal(2, topics["kept-a"].Partitions.Count);
        Assert.Equal(3, topics["kept-b"].Partitions.Count);
        Assert.False(topics.ContainsKey("torn"));
        Assert.Equal("654321", ExplicitConfigs(r, 2, "kept-b")["retention.ms"]);
        // The log continues after the cut: the name is free (its partition directories, made before the record, are reused).
        CreateTopic(r, "torn", 2);
        Assert.Equal(2, Topics(r)["torn"].Partitions.Count);
        var (code, stdout, stderr) = await _server.StopAsync();
        Assert.True(code == 0, stderr);
        Assert.Contains("Cut a torn metadata log tail", stdout + stderr, StringComparison.Ordinal);

        // And a third start replays the whole log, the new batch included, with nothing more to cut.
        _server.Start();
        using (var again = await _server.ConnectAsync())
        {
            Assert.Equal(2, Topics(again)["torn"].Partitions.Count);
            Assert.Equal(3, Topics(again)["kept-b"].Partitions.Count);
        }
        var third = await _server.StopAsync();
        Assert.DoesNotContain("Cut a torn metadata log tail", third.Stdout + third.Stderr, StringComparison.Ordinal);
    }
}
