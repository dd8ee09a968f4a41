namespace Chronik.Protocol.Generator;

/// <summary>
/// Lays Kafka 4.3's schemas over Kafka 4.0's so the codecs still decode the versions 4.3 dropped (KIP-896 raised
/// many minimums; clients in our matrix still send some of them). For each message, 4.3's schema is the truth; where
/// 4.0's reaches lower versions, the merged message's versions start at 4.0's minimum and the 4.0 fields that only
/// those versions carry come back at their 4.0 position. A message 4.3 no longer defines at all ("none") keeps its
/// 4.0 schema; API messages are matched by (type, api key), so a renamed API (ListClientMetricsResources became
/// ListConfigResources) takes 4.3's name. Anything the two schemas disagree on below 4.3's minimum is an error, never
/// a silent guess.
/// </summary>
public static class SchemaMerger
{
    public static List<MessageSpec> Merge(IReadOnlyList<MessageSpec> current, IReadOnlyList<MessageSpec> floor)
    {
        var floorByKey = floor.ToDictionary(Key, StringComparer.Ordinal);
        var matched = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<MessageSpec>();
        foreach (var c in current)
        {
            if (floorByKey.TryGetValue(Key(c), out var f))
            {
                matched.Add(Key(c));
                result.Add(MergeMessage(c, f));
            }
            else
            {
                result.Add(c);
            }
        }
        result.AddRange(floor.Where(f => !matched.Contains(Key(f))));
        return result.OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
    }

    private static string Key(MessageSpec s) => s.ApiKey is { } k && s.Type is "request" or "response" ? $"{s.Type}:{k}" : s.Name;

    private static MessageSpec MergeMessage(MessageSpec c, MessageSpec f)
    {
        if (f.ValidVersions.IsEmpty || (!c.ValidVersions.IsEmpty && f.ValidVersions.Min >= c.ValidVersions.Min)) return c;
        if (c.ValidVersions.IsEmpty) return f with { Name = c.Name };
        short below = c.ValidVersions.Min;
        string at = c.Name;
        if (f.ValidVersions.Max < below - 1) throw Mismatch(at, $"4.0's v{f.ValidVersions} and 4.3's v{c.ValidVersions} leave a gap");
        if (!SameBelow(c.FlexibleVersions, f.FlexibleVersions, below)) throw Mismatch(at, "flexibleVersions differ");
        var commonStructs = c.CommonStructs.Select(cs => f.CommonStructs.FirstOrDefault(x => x.Name == cs.Name) is { } fs
            ? cs with { Fields = MergeFields(cs.Fields, fs.Fields, below, at + "#" + cs.Name) } : cs).ToList();
        commonStructs.AddRange(f.CommonStructs.Where(fs => c.CommonStructs.All(cs => cs.Name != fs.Name)));
        return c with
        {
            ValidVersions = new VersionRange(f.ValidVersions.Min, Math.Max(c.ValidVersions.Max, f.ValidVersions.Max)),
            Fields = MergeFields(c.Fields, f.Fields, below, at),
            CommonStructs = commonStructs,
        };
    }

    /// <summary>4.3's fields (merged one level down), with 4.0's fields for versions below <paramref name="below"/> re-inserted after their 4.0 predecessor.</summary>
    private static List<FieldSpec> MergeFields(List<FieldSpec> cur, List<FieldSpec> flo, short below, string at)
    {
        var curNames = cur.Select(x => x.Name).ToHashSet(StringComparer.Ordinal);
        var floByName = flo.ToDictionary(x => x.Name, StringComparer.Ordinal);
        if (!cur.Where(x => floByName.ContainsKey(x.Name)).Select(x => x.Name).SequenceEqual(flo.Where(x => curNames.Contains(x.Name)).Select(x => x.Name)))
            throw Mismatch(at, "the fields both schemas share are in a different order");
        foreach (var x in cur)
        {
            if (!floByName.ContainsKey(x.Name) && !Restrict(x.Versions, below).IsEmpty) throw Mismatch(at + "." + x.Name, $"4.3 adds it at v{x.Versions}, below its minimum v{below}");
        }
        var result = cur.Select(x => floByName.TryGetValue(x.Name, out var fl) ? MergeField(x, fl, below, at + "." + x.Name) : x).ToList();
        string? previous = null;
        foreach (var fl in flo)
        {
            if (!curNames.Contains(fl.Name))
            {
                if (!fl.Versions.IsEmpty && fl.Versions.Max >= below) throw Mismatch(at + "." + fl.Name, $"4.3 dropped it but 4.0 has it at v{fl.Versions}, which 4.3 still serves");
                result.Insert(previous is null ? 0 : result.FindIndex(x => x.Name == previous) + 1, fl);
            }
            previous = fl.Name;
        }
        return result;
    }

    private static FieldSpec MergeField(FieldSpec x, FieldSpec fl, short below, string at)
    {
        bool agree = SameBelow(x.Versions, fl.Versions, below) && SameBelow(x.NullableVersions, fl.NullableVersions, below)
            && SameBelow(x.TaggedVersions, fl.TaggedVersions, below) && (Restrict(x.Versions, below).IsEmpty || (x.Type == fl.Type && x.Tag == fl.Tag));
        if (!agree) throw Mismatch(at, "4.0 and 4.3 declare it differently below 4.3's minimum");
        if (x.Fields is null || fl.Fields is null) return x;
        return x with { Fields = MergeFields(x.Fields, fl.Fields, below, at) };
    }

    private static VersionRange Restrict(VersionRange r, short below) => r.Intersect(new VersionRange(0, (short)(below - 1)));

    private static bool SameBelow(VersionRange a, VersionRange b, short below)
    {
        var (ra, rb) = (Restrict(a, below), Restrict(b, below));
        return (ra.IsEmpty && rb.IsEmpty) || ra == rb;
    }

    private static InvalidDataException Mismatch(string at, string why) => new($"cannot merge Kafka 4.0's and 4.3's schemas at {at}: {why}");
}
