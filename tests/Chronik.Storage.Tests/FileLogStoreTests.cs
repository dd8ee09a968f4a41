using Chronik.Storage.Disk;

namespace Chronik.Storage.Tests;

/// <summary>The contract against the file store, in a temporary data directory.</summary>
public sealed class FileLogStoreTests : LogStoreContract
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "chronik-storage-" + Guid.NewGuid().ToString("N"));

    protected override ILogStore CreateStore(FakeTime time) =>
        FileLogStore.Open(_dir, new FileLogStoreOptions { Time = time });

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }
}
