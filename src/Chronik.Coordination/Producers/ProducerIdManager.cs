using System.Globalization;
using Chronik.Coordination.Metadata;
using Chronik.Protocol.Records.Metadata;

namespace Chronik.Coordination.Producers;

/// <summary>
/// Hands out producer ids that are never reused: ids come from blocks of <see cref="BlockSize"/> whose end is
/// appended to the metadata store as a ProducerIdsRecord (NextProducerId: the first id past the block, as Kafka's
/// ProducerIdControlManager writes it) and durable before any id of the block is given out, so after a crash the next
/// block starts past every id ever returned. A producer-ids file of the JSON era is imported once.
/// </summary>
public sealed class ProducerIdManager : IMetadataParticipant
{
    public const int BlockSize = 1000;
    public const string LegacyFileName = "producer-ids";

    private readonly Lock _lock = new();
    private readonly IMetadataStore _store;
    private readonly int _brokerId;
    private long _next;
    // Set by Apply only: at registration, or on the thread in Next that holds the lock.
    private long _blockEnd;
    private bool _replayedAny;

    /// <param name="store">The metadata store this holder replays from and appends to.</param>
    /// <param name="legacyDataDir">The data directory whose producer-ids file is imported once; null for none.</param>
    /// <param name="brokerId">The node id written in the records.</param>
    public ProducerIdManager(IMetadataStore store, string? legacyDataDir = null, int brokerId = 1)
    {
        _store = store;
        _brokerId = brokerId;
        store.Register(this);
        LegacyMetadataFile.Migrate(store, legacyDataDir, LegacyFileName, _replayedAny, ReadLegacy);
        _next = _blockEnd;
    }

    /// <summary>The next id that would be handed out (for tests and diagnostics).</summary>
    public long Peek { get { lock (_lock) return _next; } }

    public long Next()
    {
        lock (_lock)
        {
            if (_next >= _blockEnd) _store.Append([Record(_brokerId, _next + BlockSize)]);
            return _next++;
        }
    }

    /// <summary>Whether an id was ever handed out by this cluster (ids at or above the persisted block end never were).</summary>
    public bool WasAllocated(long producerId)
    {
        lock (_lock) return producerId >= 0 && producerId < _blockEnd;
    }

    public bool Owns(short recordType) => recordType == MetadataRecordTypes.ProducerIdsRecord;

    public void Apply(IReadOnlyList<MetadataRecord> records)
    {
        if (records.Count == 0) return;
        _replayedAny = true;
        foreach (var r in records)
        {
            if (r.Message is ProducerIdsRecord p) _blockEnd = Math.Max(_blockEnd, p.NextProducerId);
        }
    }

    public IEnumerable<MetadataRecord> SnapshotRecords() => _blockEnd > 0 ? [Record(_brokerId, _blockEnd)] : [];

    private static MetadataRecord Record(int brokerId, long nextProducerId) =>
        MetadataRecord.Of(new ProducerIdsRecord { BrokerId = brokerId, BrokerEpoch = -1, NextProducerId = nextProducerId });

    /// <summary>The block end the JSON era wrote as text (read at migration only).</summary>
    private IReadOnlyList<MetadataRecord> ReadLegacy(string file) =>
        [Record(_brokerId, long.Parse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture))];
}
