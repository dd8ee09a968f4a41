namespace Chronik.Coordination.Metadata;

/// <summary>
/// The participants registered on a metadata store, and the delivery of a batch to them: each gets, in one
/// <see cref="IMetadataParticipant.Apply"/> call, the records of the types it owns (none: no call). Shared by every
/// <see cref="IMetadataStore"/> implementation.
/// </summary>
public sealed class MetadataParticipants
{
    private readonly List<IMetadataParticipant> _list = [];

    public void Add(IMetadataParticipant participant)
    {
        lock (_list) _list.Add(participant);
    }

    /// <summary>The participants registered so far, as a copy safe to iterate while others register.</summary>
    public IMetadataParticipant[] ToArray()
    {
        lock (_list) return [.. _list];
    }

    public void Dispatch(IReadOnlyList<MetadataRecord> records)
    {
        foreach (var p in ToArray())
        {
            List<MetadataRecord>? mine = null;
            foreach (var r in records)
            {
                if (p.Owns(r.Type)) (mine ??= []).Add(r);
            }
            if (mine is not null) p.Apply(mine);
        }
    }
}
