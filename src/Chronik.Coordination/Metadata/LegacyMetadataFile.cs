using Chronik.Storage.Disk;

namespace Chronik.Coordination.Metadata;

/// <summary>
/// Upgrade in place: before the metadata store each holder kept a JSON file in &lt;data-dir&gt;/__cluster_metadata/.
/// At the first start on the store a holder that replayed no records of its own imports its old file once (appends
/// its content as records), then the file is renamed to <c>&lt;name&gt;.migrated</c> (kept, never read again).
/// </summary>
public static class LegacyMetadataFile
{
    public const string MigratedSuffix = ".migrated";

    /// <summary>The old file under <paramref name="dataDir"/> when it is still there (not yet migrated), else null.</summary>
    public static string? Find(string? dataDir, string name)
    {
        if (dataDir is null) return null;
        string path = Path.Combine(dataDir, LocalMetadataStore.DirectoryName, name);
        return File.Exists(path) ? path : null;
    }

    /// <summary>
    /// Imports <paramref name="name"/> when it exists: unless the holder already replayed records of its own
    /// (<paramref name="replayedAny"/>: a crash came between the import and the rename), appends what
    /// <paramref name="read"/> makes of it as one batch, then renames the file.
    /// </summary>
    public static void Migrate(IMetadataStore store, string? dataDir, string name, bool replayedAny, Func<string, IReadOnlyList<MetadataRecord>> read)
    {
        if (Find(dataDir, name) is not { } path) return;
        if (!replayedAny)
        {
            var records = read(path);
            if (records.Count > 0) store.Append(records);
        }
        File.Move(path, path + MigratedSuffix, overwrite: true);
        FileSync.SyncDirectory(Path.GetDirectoryName(path)!);
    }
}
