using System.Globalization;
using Chronik.Coordination.Metadata;
using Chronik.Protocol.Records.Metadata;

namespace Chronik.Coordination.Producers;

/// <summary>
/// Hands out producer ids that are never reused, on one broker or across brokers sharing a metadata store: ids come
/// from blocks of <see cref="BlockSize"/> that a broker claims by appending a ProducerIdsRecord (NextProducerId: the
/// first id past the block, as Kafka's ProducerIdControlManager writes it). The log order decides: a claim is taken
/// only if its end is past every end taken before it (its block then runs from that previous end), so of two brokers
/// claiming from the same view the first in the log gets the block and the other, seeing its claim refused once its
/// append is applied, claims again past the winner's end. A claim names its claimant (BrokerId and, in BrokerEpoch, a
/// random number of this instance), so a broker knows its own. The block is durable before any of its ids is given
/// out, so after a crash the next block starts past every id ever returned. A producer-ids file of the JSON era is
/// imported once. Apply takes no lock; <c>_lock</c> (held across Append) only orders this broker's claims.
/// </summary>
public sealed class ProducerIdManager : IMetadataParticipant
{
    public const int BlockSize = 1000;
    public const string LegacyFileName = "producer-ids";

    private readonly Lock _lock = new();
    private readonly IMetadataStore _store;
    private readonly int _brokerId;
    // Written in this instance's claims as BrokerEpoch (never -1, the value of snapshots and imports).
    private readonly long _claimant = Random.Shared.NextInt64(1, long.MaxValue);
    // This broker's block, under _lock.
    private long _next;
    private long _end;
    // Set by Apply only (in log order): the end of every block taken, and the last block taken by a claim of this instance.
    private long _blockEnd;
    private long _wonStart = -1;
    private long _wonEnd = -1;
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
        _next = _end = Volatile.Read(ref _blockEnd);
    }

    /// <summary>The next id that would be handed out (for tests and diagnostics).</summary>
    public long Peek { get { lock (_lock) return _next; } }

    public long Next()
    {
        lock (_lock)
        {
            while (_next >= _end)
            {
                long claim = Volatile.Read(ref _blockEnd) + BlockSize;
                _store.Append([Record(_brokerId, _claimant, claim)]);
                // Applied before Append returned: either this claim took its block, or an earlier one in the log did.
                if (Volatile.Read(ref _wonEnd) == claim) (_next, _end) = (Volatile.Read(ref _wonStart), claim);
            }
            return _next++;
        }
    }

    /// <summary>Whether an id was ever handed out by this cluster (ids at or above the end of every block taken never were).</summary>
    public bool WasAllocated(long producerId) => producerId >= 0 && producerId < Volatile.Read(ref _blockEnd);

    public bool Owns(short recordType) => recordType == MetadataRecordTypes.ProducerIdsRecord;

    public void Apply(IReadOnlyList<MetadataRecord> records)
    {
        if (records.Count == 0) return;
        _replayedAny = true;
        foreach (var r in records)
        {
            if (r.Message is not ProducerIdsRecord p) continue;
            long end = Volatile.Read(ref _blockEnd);
            if (p.NextProducerId <= end) continue; // refused: an earlier claim in the log took these ids
            if (p.BrokerId == _brokerId && p.BrokerEpoch == _claimant)
            {
                Volatile.Write(ref _wonStart, end);
                Volatile.Write(ref _wonEnd, p.NextProducerId);
            }
            Volatile.Write(ref _blockEnd, p.NextProducerId);
        }
    }

    public IEnumerable<MetadataRecord> SnapshotRecords()
    {
        long end = Volatile.Read(ref _blockEnd);
        return end > 0 ? [Record(_brokerId, -1, end)] : [];
    }

    private static MetadataRecord Record(int brokerId, long claimant, long nextProducerId) =>
        MetadataRecord.Of(new ProducerIdsRecord { BrokerId = brokerId, BrokerEpoch = claimant, NextProducerId = nextProducerId });

    /// <summary>The block end the JSON era wrote as text (read at migration only).</summary>
    private IReadOnlyList<MetadataRecord> ReadLegacy(string file) =>
        [Record(_brokerId, -1, long.Parse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture))];
}
