using Chronik.Coordination.Metadata;

namespace Chronik.Coordination.Tests.Metadata;

/// <summary>A temporary data directory with a local metadata store that a test can reopen (a broker restart for the holders).</summary>
internal sealed class MetadataDir : IDisposable
{
    public MetadataDir() => Store = LocalMetadataStore.Open(DataDir);

    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "chronik-metadata-" + Guid.NewGuid().ToString("N"));

    public LocalMetadataStore Store { get; private set; }

    /// <summary>Closes the store and opens it again on the same files.</summary>
    public LocalMetadataStore Reopen()
    {
        Store.Dispose();
        Store = LocalMetadataStore.Open(DataDir);
        return Store;
    }

    /// <summary>The path of a file the holders kept before the store (&lt;data&gt;/__cluster_metadata/&lt;name&gt;).</summary>
    public string LegacyFile(string name) => Path.Combine(DataDir, LocalMetadataStore.DirectoryName, name);

    public void Dispose()
    {
        Store.Dispose();
        try { Directory.Delete(DataDir, recursive: true); } catch (IOException) { }
    }
}
