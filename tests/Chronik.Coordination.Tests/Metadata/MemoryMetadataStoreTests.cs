using Chronik.Coordination.Metadata;

namespace Chronik.Coordination.Tests.Metadata;

/// <summary>The metadata-store contract on the in-memory store.</summary>
public sealed class MemoryMetadataStoreTests : MetadataStoreContract
{
    private readonly MemoryMetadataLog _log = new();

    protected override IMetadataStore OpenCore(MetadataStoreOptions options) => new MemoryMetadataStore(_log, options);
}
