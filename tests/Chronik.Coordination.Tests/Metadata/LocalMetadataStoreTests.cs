using Chronik.Coordination.Metadata;

namespace Chronik.Coordination.Tests.Metadata;

/// <summary>The metadata-store contract on the local file store.</summary>
public sealed class LocalMetadataStoreTests : MetadataStoreContract
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "chronik-meta-" + Guid.NewGuid().ToString("N"));

    protected override IMetadataStore OpenCore(MetadataStoreOptions options) => LocalMetadataStore.Open(_dir, options);

    protected override void Cleanup()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }
}
