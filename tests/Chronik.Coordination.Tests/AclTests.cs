using Chronik.Coordination.Acls;
using Chronik.Coordination.Metadata;
using Chronik.Coordination.Tests.Metadata;

namespace Chronik.Coordination.Tests;

/// <summary>ACL validation, filter matching, persistence and StandardAuthorizer precedence rules.</summary>
public class AclTests
{
    private const string Alice = "User:alice", Bob = "User:bob", Host = "10.0.0.1";

    private static AclBinding Acl(AclResourceType type, string name, AclPatternType pattern, string principal, AclOperation op,
        AclPermissionType permission = AclPermissionType.Allow, string host = "*") => new(type, name, pattern, principal, host, op, permission);

    private static AclBinding Topic(string name, string principal, AclOperation op, AclPermissionType permission = AclPermissionType.Allow,
        AclPatternType pattern = AclPatternType.Literal, string host = "*") => Acl(AclResourceType.Topic, name, pattern, principal, op, permission, host);

    private static AclAuthorizer Authorizer(bool allowIfNoAcl, params AclBinding[] acls)
    {
        var store = new AclStore(new MemoryMetadataStore());
        Assert.All(store.Create(acls), r => Assert.True(r.Succeeded, r.ErrorMessage));
        return new AclAuthorizer(store, ["User:admin"], allowIfNoAcl);
    }

    [Theory]
    [InlineData(AclResourceType.Cluster, "other", AclPatternType.Literal, "User:a", AclOperation.Alter, AclPermissionType.Allow, "The only valid name for the CLUSTER resource is kafka-cluster")]
    [InlineData(AclResourceType.Topic, "", AclPatternType.Literal, "User:a", AclOperation.Read, AclPermissionType.Allow, "Invalid empty resource name")]
    [InlineData(AclResourceType.Any, "t", AclPatternType.Literal, "User:a", AclOperation.Read, AclPermissionType.Allow, "Invalid resourceType ANY")]
    [InlineData(AclResourceType.Topic, "t", AclPatternType.Match, "User:a", AclOperation.Read, AclPermissionType.Allow, "Invalid patternType MATCH")]
    [InlineData(AclResourceType.Topic, "t", AclPatternType.Any, "User:a", AclOperation.Read, AclPermissionType.Allow, "Invalid patternType ANY")]
    [InlineData(AclResourceType.Topic, "t", AclPatternType.Literal, "User:a", AclOperation.Any, AclPermissionType.Allow, "Invalid operation ANY")]
    [InlineData(AclResourceType.Topic, "t", AclPatternType.Literal, "User:a", AclOperation.Read, AclPermissionType.Any, "Invalid permissionType ANY")]
    [InlineData(AclResourceType.TransactionalId, "t", AclPatternType.Prefixed, "alice", AclOperation.Write, AclPermissionType.Allow, "Could not parse principal from `alice` (no colon is present separating the principal type from the principal name)")]
    public void Invalid_acls_are_refused_with_kafkas_messages(AclResourceType type, string name, AclPatternType pattern, string principal, AclOperation op, AclPermissionType permission, string message)
    {
        Assert.Equal(message, AclValidation.ValidateNew(new AclBinding(type, name, pattern, principal, "*", op, permission)));
    }

    [Fact]
    public void Create_is_idempotent_and_reports_per_acl()
    {
        var store = new AclStore(new MemoryMetadataStore());
        var ok = Topic("t", Alice, AclOperation.Read);
        var results = store.Create([ok, ok with { ResourceName = "" }, ok]);
        Assert.True(results[0].Succeeded);
        Assert.Equal("Invalid empty resource name", results[1].ErrorMessage);
        Assert.True(results[2].Succeeded);
        Assert.Single(store.Snapshot.All);
    }

    [Fact]
    public void Filters_match_as_kafkas_resource_pattern_filter()
    {
        var literal = Topic("orders", Alice, AclOperation.Read);
        var prefixed = Topic("ord", Bob, AclOperation.Write, pattern: AclPatternType.Prefixed);
        var wildcard = Topic("*", Alice, AclOperation.Describe);
        var group = Acl(AclResourceType.Group, "orders", AclPatternType.Literal, Alice, AclOperation.Read);
        AclBinding[] all = [literal, prefixed, wildcard, group];
        AclBinding[] Match(AclBindingFilter f) => all.Where(f.Matches).ToArray();

        Assert.Equal(all, Match(AclBindingFilter.Any));
        var match = AclBindingFilter.Any with { ResourceType = AclResourceType.Topic, ResourceName = "orders", PatternType = AclPatternType.Match };
        Assert.Equal([literal, prefixed, wildcard], Match(match));
        Assert.Equal([literal], Match(match with { PatternType = AclPatternType.Literal }));
        Assert.Equal([literal, group], Match(AclBindingFilter.Any with { ResourceName = "orders" }));
        Assert.Equal([prefixed], Match(AclBindingFilter.Any with { ResourceName = "ord", PatternType = AclPatternType.Prefixed }));
        Assert.Empty(Match(AclBindingFilter.Any with { ResourceName = "orders", PatternType = AclPatternType.Prefixed }));
        Assert.Equal([prefixed], Match(AclBindingFilter.Any with { Principal = Bob }));
        Assert.Equal([literal, group], Match(AclBindingFilter.Any with { Operation = AclOperation.Read }));
        Assert.Empty(Match(AclBindingFilter.Any with { Permission = AclPermissionType.Deny }));
        Assert.Empty(Match(AclBindingFilter.Any with { Host = "10.0.0.1" }));
    }

    [Fact]
    public void Delete_returns_matches_per_filter_and_rejects_unknown_filters()
    {
        var store = new AclStore(new MemoryMetadataStore());
        store.Create([Topic("a", Alice, AclOperation.Read), Topic("b", Alice, AclOperation.Write), Topic("a", Bob, AclOperation.Read)]);
        var results = store.Delete([
            AclBindingFilter.Any with { ResourceName = "a" },
            AclBindingFilter.Any with { Principal = Bob },
            AclBindingFilter.Any with { Operation = AclOperation.Unknown },
        ]);
        Assert.Equal(2, results[0].Deleted.Count);
        Assert.Single(results[1].Deleted);
        Assert.Equal("Unknown entryFilter.", results[2].ErrorMessage);
        Assert.Equal([Topic("b", Alice, AclOperation.Write)], store.Snapshot.All);
    }

    [Fact]
    public void Acls_are_rebuilt_by_replay_of_the_snapshot_then_the_log()
    {
        using var dir = new MetadataDir();
        var first = new AclStore(dir.Store);
        first.Create([Topic("t", Alice, AclOperation.Read), Acl(AclResourceType.Cluster, "kafka-cluster", AclPatternType.Literal, Bob, AclOperation.Alter, AclPermissionType.Deny, Host)]);
        first.Delete([AclBindingFilter.Any with { Principal = Alice }]);
        first.Create([Topic("p-", Alice, AclOperation.Write, pattern: AclPatternType.Prefixed)]);
        var expected = first.Snapshot.All;
        Assert.Equal(expected, new AclStore(dir.Reopen()).Snapshot.All);

        // A snapshot holds the state; the changes after it replay from the log, in creation order.
        var second = new AclStore(dir.Store);
        dir.Store.TakeSnapshot();
        second.Create([Topic("after", Bob, AclOperation.Describe)]);
        second.Delete([AclBindingFilter.Any with { ResourceType = AclResourceType.Cluster }]);
        var third = new AclStore(dir.Reopen());
        Assert.Equal([Topic("p-", Alice, AclOperation.Write, pattern: AclPatternType.Prefixed), Topic("after", Bob, AclOperation.Describe)], third.Snapshot.All);
        Assert.False(File.Exists(dir.LegacyFile("acls.json")));
    }

    [Fact]
    public void An_acls_json_of_the_json_era_is_imported_once_and_renamed()
    {
        using var dir = new MetadataDir();
        File.WriteAllText(dir.LegacyFile("acls.json"),
            """[{"ResourceType":"Topic","ResourceName":"audit-","PatternType":"Prefixed","Principal":"User:alice","Host":"*","Operation":"Read","Permission":"Allow"}]""");
        var store = new AclStore(dir.Store, dir.DataDir);
        var imported = Topic("audit-", Alice, AclOperation.Read, pattern: AclPatternType.Prefixed);
        Assert.Equal([imported], store.Snapshot.All);
        Assert.False(File.Exists(dir.LegacyFile("acls.json")));
        Assert.True(File.Exists(dir.LegacyFile("acls.json.migrated")));

        // A file that reappears (or survived a crash between import and rename) is not imported over the store's records.
        File.Copy(dir.LegacyFile("acls.json.migrated"), dir.LegacyFile("acls.json"));
        store.Delete([AclBindingFilter.Any]);
        var reopened = new AclStore(dir.Reopen(), dir.DataDir);
        Assert.Empty(reopened.Snapshot.All);
        Assert.False(File.Exists(dir.LegacyFile("acls.json")));
    }

    [Fact]
    public void Deny_wins_over_allow_and_prefix_and_wildcard_match()
    {
        var a = Authorizer(false,
            Topic("*", Alice, AclOperation.Read),
            Topic("secret-", Alice, AclOperation.Read, AclPermissionType.Deny, AclPatternType.Prefixed),
            Topic("logs-", Bob, AclOperation.Write, pattern: AclPatternType.Prefixed));
        Assert.True(a.Authorize(Alice, Host, AclOperation.Read, AclResourceType.Topic, "orders"));
        Assert.False(a.Authorize(Alice, Host, AclOperation.Read, AclResourceType.Topic, "secret-x"));
        Assert.True(a.Authorize(Bob, Host, AclOperation.Write, AclResourceType.Topic, "logs-1"));
        Assert.False(a.Authorize(Bob, Host, AclOperation.Write, AclResourceType.Topic, "log"));
        Assert.False(a.Authorize(Bob, Host, AclOperation.Read, AclResourceType.Topic, "logs-1"));
        Assert.True(a.Authorize("User:admin", Host, AclOperation.Read, AclResourceType.Topic, "secret-x"));
    }

    [Fact]
    public void Implied_operations_apply_to_allow_only()
    {
        var a = Authorizer(false,
            Topic("t", Alice, AclOperation.Write),
            Topic("c", Alice, AclOperation.AlterConfigs),
            Topic("d", Bob, AclOperation.Read, AclPermissionType.Deny),
            Topic("d", Bob, AclOperation.Describe),
            Topic("all", Bob, AclOperation.All));
        Assert.True(a.Authorize(Alice, Host, AclOperation.Describe, AclResourceType.Topic, "t"));
        Assert.False(a.Authorize(Alice, Host, AclOperation.Read, AclResourceType.Topic, "t"));
        Assert.True(a.Authorize(Alice, Host, AclOperation.DescribeConfigs, AclResourceType.Topic, "c"));
        Assert.False(a.Authorize(Alice, Host, AclOperation.Describe, AclResourceType.Topic, "c"));
        Assert.True(a.Authorize(Bob, Host, AclOperation.Describe, AclResourceType.Topic, "d"));
        Assert.False(a.Authorize(Bob, Host, AclOperation.Read, AclResourceType.Topic, "d"));
        Assert.True(a.Authorize(Bob, Host, AclOperation.Delete, AclResourceType.Topic, "all"));
    }

    [Fact]
    public void Principal_wildcard_and_host_matching()
    {
        var a = Authorizer(false,
            Topic("t", "User:*", AclOperation.Read),
            Topic("h", Alice, AclOperation.Read, host: Host));
        Assert.True(a.Authorize(Bob, "1.2.3.4", AclOperation.Read, AclResourceType.Topic, "t"));
        Assert.True(a.Authorize(Alice, Host, AclOperation.Read, AclResourceType.Topic, "h"));
        Assert.False(a.Authorize(Alice, "10.0.0.2", AclOperation.Read, AclResourceType.Topic, "h"));
    }

    [Fact]
    public void Allow_everyone_applies_only_to_resources_without_any_acl()
    {
        var a = Authorizer(true, Topic("owned", Alice, AclOperation.Read));
        Assert.True(a.Authorize(Bob, Host, AclOperation.Write, AclResourceType.Topic, "free"));
        Assert.False(a.Authorize(Bob, Host, AclOperation.Read, AclResourceType.Topic, "owned"));
        Assert.True(a.Authorize(Bob, Host, AclOperation.Read, AclResourceType.Group, "g"));
        var closed = Authorizer(false);
        Assert.False(closed.Authorize(Bob, Host, AclOperation.Read, AclResourceType.Topic, "free"));
    }

    [Fact]
    public void Authorize_by_resource_type_needs_an_undominated_allow()
    {
        Assert.False(Authorizer(false).AuthorizeByResourceType(Alice, Host, AclOperation.Write, AclResourceType.Topic));
        Assert.True(Authorizer(false, Topic("x", Alice, AclOperation.Write)).AuthorizeByResourceType(Alice, Host, AclOperation.Write, AclResourceType.Topic));
        Assert.False(Authorizer(false, Topic("abc", Alice, AclOperation.Write), Topic("ab", Alice, AclOperation.Write, AclPermissionType.Deny, AclPatternType.Prefixed))
            .AuthorizeByResourceType(Alice, Host, AclOperation.Write, AclResourceType.Topic));
        Assert.False(Authorizer(false, Topic("x", Alice, AclOperation.Write), Topic("*", Alice, AclOperation.Write, AclPermissionType.Deny))
            .AuthorizeByResourceType(Alice, Host, AclOperation.Write, AclResourceType.Topic));
    }

    [Fact]
    public void Authorized_operations_bits_and_super_users_parsing()
    {
        var a = Authorizer(false, Topic("t", Alice, AclOperation.Read));
        int bits = a.AuthorizedOperations(Alice, Host, AclResourceType.Topic, "t", [AclOperation.Read, AclOperation.Write, AclOperation.Describe]);
        Assert.Equal((1 << 3) | (1 << 8), bits);
        Assert.Equal(["User:a", "User:b"], AclAuthorizer.ParseSuperUsers(" User:a ; ;User:b"));
        Assert.Throws<ArgumentException>(() => AclAuthorizer.ParseSuperUsers("admin"));
    }
}
