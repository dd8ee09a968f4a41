using Chronik.Storage.Objects.Files;

namespace Chronik.Storage.Objects.Tests;

/// <summary>The contract on a temporary directory, plus what only the file store promises.</summary>
[Collection(ObjectStoreCollection.Name)]
public sealed class FileObjectStoreTests : ObjectStoreContract, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chronik-objects-").FullName;
    private readonly FileObjectStore _store;

    public FileObjectStoreTests() => _store = new FileObjectStore(_dir);

    protected override IObjectStore Store => _store;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Racing_puts_of_one_key_leave_exactly_one_winner_and_its_bytes()
    {
        string key = Prefix + "race.obj";
        var attempts = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            try
            {
                await _store.PutAsync(key, Bytes(256 * 1024, 50 + i), CancellationToken.None);
                return i;
            }
            catch (ObjectAlreadyExistsException)
            {
                return -1;
            }
        })).ToList();
        var results = await Task.WhenAll(attempts);
        int winner = Assert.Single(results, r => r >= 0);
        using var back = await _store.ReadRangeAsync(key, 0, 256 * 1024, CancellationToken.None);
        Assert.Equal(Bytes(256 * 1024, 50 + winner), back.Memory.ToArray());
    }

    [Fact]
    public async Task A_put_leaves_no_temporary_file_and_listing_hides_the_temp_folder()
    {
        await _store.PutAsync(Prefix + "x.obj", new byte[10], CancellationToken.None);
        await Assert.ThrowsAsync<ObjectAlreadyExistsException>(() => _store.PutAsync(Prefix + "x.obj", new byte[10], CancellationToken.None));
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir, ".tmp")));
        File.WriteAllText(Path.Combine(_dir, ".tmp", "stray.tmp"), "left by a crash");
        Assert.Equal([Prefix + "x.obj"], (await _store.ListAsync("", null, 100, CancellationToken.None)).Objects.Select(o => o.Key));
    }

    [Fact]
    public async Task Keys_are_paths_under_the_root()
    {
        await _store.PutAsync(Prefix + "p/q.obj", new byte[] { 1, 2, 3 }, CancellationToken.None);
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(Path.Combine(_dir, Prefix, "p", "q.obj")));
    }
}
