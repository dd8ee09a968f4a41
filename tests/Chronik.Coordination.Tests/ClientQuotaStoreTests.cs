using Chronik.Coordination.Metadata;
using Chronik.Coordination.Quotas;
using Chronik.Coordination.Tests.Metadata;
using Chronik.Protocol.Messages;

namespace Chronik.Coordination.Tests;

/// <summary>AlterClientQuotas validation, DescribeClientQuotas filters, and persistence of the quota store.</summary>
public class ClientQuotaStoreTests
{
    internal static AlterClientQuotasRequest.EntryData Entry(string? user, string? client, bool hasUser, bool hasClient, params (string Key, double Value, bool Remove)[] ops)
    {
        var e = new AlterClientQuotasRequest.EntryData();
        if (hasUser) e.Entity.Add(new AlterClientQuotasRequest.EntityData { EntityType = "user", EntityName = user });
        if (hasClient) e.Entity.Add(new AlterClientQuotasRequest.EntityData { EntityType = "client-id", EntityName = client });
        foreach (var (k, v, r) in ops) e.Ops.Add(new AlterClientQuotasRequest.OpData { Key = k, Value = v, Remove = r });
        return e;
    }

    internal static AlterClientQuotasResponse Alter(ClientQuotaStore s, bool validateOnly, params AlterClientQuotasRequest.EntryData[] entries)
    {
        var r = new AlterClientQuotasRequest { ValidateOnly = validateOnly };
        r.Entries.AddRange(entries);
        return s.Alter(r);
    }

    private static DescribeClientQuotasResponse Describe(ClientQuotaStore s, bool strict, params (string Type, sbyte Match, string? Name)[] components)
    {
        var r = new DescribeClientQuotasRequest { Strict = strict };
        foreach (var (t, m, n) in components) r.Components.Add(new DescribeClientQuotasRequest.ComponentData { EntityType = t, MatchType = m, Match = n });
        return s.Describe(r);
    }

    private static List<string> Names(DescribeClientQuotasResponse r) =>
        r.Entries!.Select(e => string.Join(",", e.Entity.Select(c => c.EntityType + "=" + (c.EntityName ?? "<default>")))).Order(StringComparer.Ordinal).ToList();

    private static ClientQuotaStore Populated()
    {
        var s = new ClientQuotaStore(new MemoryMetadataStore());
        var resp = Alter(s, false,
            Entry("alice", null, true, false, ("producer_byte_rate", 1000, false)),
            Entry(null, null, true, false, ("producer_byte_rate", 2000, false)),
            Entry("alice", "app", true, true, ("consumer_byte_rate", 3000, false), ("request_percentage", 12.5, false)),
            Entry(null, "app", false, true, ("producer_byte_rate", 4000, false)),
            Entry(null, null, false, true, ("producer_byte_rate", 5000, false)));
        Assert.All(resp.Entries, e => Assert.Equal(0, e.ErrorCode));
        return s;
    }

    [Fact]
    public void Describe_filters_exact_default_and_specified()
    {
        var s = Populated();
        Assert.Equal(5, Describe(s, false).Entries!.Count);
        Assert.Equal(["user=alice", "user=alice,client-id=app"], Names(Describe(s, false, ("user", 0, "alice"))));
        Assert.Equal(["user=alice"], Names(Describe(s, true, ("user", 0, "alice"))));
        Assert.Equal(["user=<default>"], Names(Describe(s, false, ("user", 1, null))));
        Assert.Equal(["client-id=<default>"], Names(Describe(s, true, ("client-id", 1, null))));
        Assert.Equal(["client-id=<default>", "client-id=app"], Names(Describe(s, true, ("client-id", 2, null))));
        Assert.Equal(["user=alice,client-id=app"], Names(Describe(s, true, ("user", 2, null), ("client-id", 0, "app"))));
        Assert.Empty(Describe(s, false, ("ip", 2, null)).Entries!);
        var values = Describe(s, true, ("user", 0, "alice"), ("client-id", 0, "app")).Entries![0].Values;
        Assert.Equal([("consumer_byte_rate", 3000.0), ("request_percentage", 12.5)], values.Select(v => (v.Key, v.Value)).ToList());
    }

    [Theory]
    [InlineData("", 0, "x", ErrorCode.InvalidRequest, "Invalid empty entity type.")]
    [InlineData("group", 0, "x", ErrorCode.UnsupportedVersion, "Unsupported entity type group")]
    [InlineData("user", 0, null, ErrorCode.InvalidRequest, "Request specified MATCH_TYPE_EXACT, but set match string to null.")]
    [InlineData("user", 1, "x", ErrorCode.InvalidRequest, "Request specified MATCH_TYPE_DEFAULT, but also specified a match string.")]
    [InlineData("user", 2, "x", ErrorCode.InvalidRequest, "Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.")]
    [InlineData("user", 7, null, ErrorCode.InvalidRequest, "Unknown match type 7")]
    public void Describe_rejects_bad_filters(string type, int match, string? name, ErrorCode code, string message)
    {
        var r = Describe(Populated(), false, (type, (sbyte)match, name));
        Assert.Equal((short)code, r.ErrorCode);
        Assert.Equal(message, r.ErrorMessage);
        Assert.Null(r.Entries);
    }

    [Fact]
    public void Describe_rejects_repeated_types_and_ip_with_user()
    {
        Assert.Equal((short)ErrorCode.InvalidRequest, Describe(Populated(), false, ("user", 0, "a"), ("user", 1, null)).ErrorCode);
        Assert.Equal((short)ErrorCode.InvalidRequest, Describe(Populated(), false, ("ip", 2, null), ("user", 1, null)).ErrorCode);
    }

    [Theory]
    [InlineData("bogus_rate", 10, "Invalid configuration key bogus_rate")]
    [InlineData("producer_byte_rate", 0, "Quota producer_byte_rate must be greater than 0")]
    [InlineData("consumer_byte_rate", -5, "Quota consumer_byte_rate must be greater than 0")]
    [InlineData("producer_byte_rate", 10.5, "producer_byte_rate cannot be a fractional value.")]
    [InlineData("controller_mutation_rate", 10, "Invalid configuration key controller_mutation_rate")]
    public void Alter_rejects_bad_keys_and_values(string key, double value, string message)
    {
        var s = new ClientQuotaStore(new MemoryMetadataStore());
        var r = Alter(s, false, Entry("u", null, true, false, (key, value, false)), Entry("v", null, true, false, ("producer_byte_rate", 100, false)));
        Assert.Equal((short)ErrorCode.InvalidRequest, r.Entries[0].ErrorCode);
        Assert.Equal(message, r.Entries[0].ErrorMessage);
        Assert.Equal(0, r.Entries[1].ErrorCode);
        Assert.Single(Describe(s, false).Entries!);
    }

    [Fact]
    public void Alter_rejects_bad_entities()
    {
        var s = new ClientQuotaStore(new MemoryMetadataStore());
        var dupType = new AlterClientQuotasRequest.EntryData();
        dupType.Entity.Add(new AlterClientQuotasRequest.EntityData { EntityType = "user", EntityName = "a" });
        dupType.Entity.Add(new AlterClientQuotasRequest.EntityData { EntityType = "user", EntityName = "b" });
        var unknown = new AlterClientQuotasRequest.EntryData();
        unknown.Entity.Add(new AlterClientQuotasRequest.EntityData { EntityType = "group", EntityName = "a" });
        var ip = new AlterClientQuotasRequest.EntryData();
        ip.Entity.Add(new AlterClientQuotasRequest.EntityData { EntityType = "ip", EntityName = "1.2.3.4" });
        var r = Alter(s, false, new AlterClientQuotasRequest.EntryData(), dupType, unknown, Entry("", null, true, false, ("producer_byte_rate", 1, false)), ip,
            Entry("x", null, true, false, ("producer_byte_rate", 1, false), ("producer_byte_rate", 2, false)));
        Assert.Equal("Invalid empty client quota entity", r.Entries[0].ErrorMessage);
        Assert.Equal("Invalid client quota entity, duplicate entity entry user", r.Entries[1].ErrorMessage);
        Assert.Equal("Unhandled client quota entity type: group", r.Entries[2].ErrorMessage);
        Assert.Equal("Empty user not supported", r.Entries[3].ErrorMessage);
        Assert.Contains("not supported", r.Entries[4].ErrorMessage);
        Assert.StartsWith("Duplicate quota key producer_byte_rate", r.Entries[5].ErrorMessage);
        Assert.All(r.Entries, e => Assert.Equal((short)ErrorCode.InvalidRequest, e.ErrorCode));
        Assert.Empty(Describe(s, false).Entries!);
    }

    [Fact]
    public void Validate_only_changes_nothing_and_remove_deletes_keys()
    {
        var s = new ClientQuotaStore(new MemoryMetadataStore());
        Assert.Equal(0, Alter(s, true, Entry("u", null, true, false, ("producer_byte_rate", 100, false))).Entries[0].ErrorCode);
        Assert.Empty(Describe(s, false).Entries!);
        Assert.False(s.Snapshot.HasProducerQuotas);

        Alter(s, false, Entry("u", null, true, false, ("producer_byte_rate", 100, false), ("consumer_byte_rate", 200, false)));
        Assert.True(s.Snapshot.HasProducerQuotas);
        // Removing ignores the value and validates nothing; an unknown key is a no-op.
        var r = Alter(s, false, Entry("u", null, true, false, ("producer_byte_rate", -1, true), ("no_such_key", 0, true)));
        Assert.Equal(0, r.Entries[0].ErrorCode);
        Assert.False(s.Snapshot.HasProducerQuotas);
        Assert.True(s.Snapshot.HasConsumerQuotas);
        Alter(s, false, Entry("u", null, true, false, ("consumer_byte_rate", 0, true)));
        Assert.Empty(Describe(s, false).Entries!);
    }

    [Fact]
    public void Quotas_are_rebuilt_by_replay_of_the_snapshot_then_the_log()
    {
        using var dir = new MetadataDir();
        var s = new ClientQuotaStore(dir.Store);
        Alter(s, false,
            Entry(null, "app", false, true, ("producer_byte_rate", 1048576, false)),
            Entry("alice", null, true, true, ("consumer_byte_rate", 2048, false), ("request_percentage", 50, false)));
        dir.Store.TakeSnapshot();
        Alter(s, false, Entry("alice", null, true, true, ("request_percentage", 0, true)), Entry("bob", null, true, false, ("consumer_byte_rate", 10, false)));

        var reopened = new ClientQuotaStore(dir.Reopen());
        Assert.Equal(Names(Describe(s, false)), Names(Describe(reopened, false)));
        Assert.Equal(1048576, reopened.Snapshot.Resolve(QuotaKeys.ProducerByteRate, "ANONYMOUS", "app").Bound);
        Assert.Equal(2048, reopened.Snapshot.Resolve(QuotaKeys.ConsumerByteRate, "alice", "other").Bound);
        Assert.Null(reopened.Snapshot.Resolve(QuotaKeys.RequestPercentage, "alice", "other").Bound);
        Assert.Equal(10, reopened.Snapshot.Resolve(QuotaKeys.ConsumerByteRate, "bob", "x").Bound);
    }

    [Fact]
    public void A_client_quotas_json_of_the_json_era_is_imported_once()
    {
        using var dir = new MetadataDir();
        File.WriteAllText(dir.LegacyFile("client-quotas.json"),
            """[{"Entity":[{"Type":"client-id","Name":"app"}],"Values":{"producer_byte_rate":1048576}},{"Entity":[{"Type":"user","Name":"u"},{"Type":"client-id","Name":null}],"Values":{"consumer_byte_rate":2048}}]""");
        var s = new ClientQuotaStore(dir.Store, dir.DataDir);
        Assert.Equal(1048576, s.Snapshot.Resolve(QuotaKeys.ProducerByteRate, "ANONYMOUS", "app").Bound);
        Assert.Equal(2048, s.Snapshot.Resolve(QuotaKeys.ConsumerByteRate, "u", "any").Bound);
        Assert.True(File.Exists(dir.LegacyFile("client-quotas.json.migrated")));
        var reopened = new ClientQuotaStore(dir.Reopen(), dir.DataDir);
        Assert.Equal(Names(Describe(s, false)), Names(Describe(reopened, false)));
    }
}
