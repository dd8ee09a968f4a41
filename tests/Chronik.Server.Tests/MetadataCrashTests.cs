using Chronik.Protocol.Messages;
using static Chronik.Server.Tests.CrashServer;

namespace Chronik.Server.Tests;

/// <summary>
/// Crash safety of the metadata log: the real server is killed with SIGKILL right after a burst of acknowledged
/// CreateAcls and AlterUserScramCredentials requests; after a restart on the same data directory every acknowledged
/// change is there (each was durable in the metadata log before it was answered).
/// </summary>
public sealed class MetadataCrashTests : IDisposable
{
    private const int Changes = 25;
    private readonly CrashServer _server = new(
        "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer\nallow.everyone.if.no.acl.found=true\n");

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Acknowledged_acl_and_scram_changes_survive_a_sigkill()
    {
        var server = _server.Start();
        using (var c = await _server.ConnectAsync())
        {
            for (int i = 0; i < Changes; i++)
            {
                var acl = Call<CreateAclsResponse>(c, new CreateAclsRequest
                {
                    Creations = [new() { ResourceType = 2, ResourceName = $"crash-{i}", ResourcePatternType = 3, Principal = "User:crash", Host = "*", Operation = 3, PermissionType = 3 }],
                }, 3);
                Assert.Equal(0, acl.Results[0].ErrorCode);
                var scram = Call<AlterUserScramCredentialsResponse>(c, new AlterUserScramCredentialsRequest
                {
                    Upsertions = [new() { Name = $"crash-user-{i}", Mechanism = 1, Iterations = 4096, Salt = [1, 2, 3], SaltedPassword = new byte[32] }],
                }, 0);
                Assert.Equal(0, scram.Results[0].ErrorCode);
            }
            // Killed right after the last acknowledgement: nothing gets flushed or closed on the way out.
            server.KillHard();
        }

        _server.Start();
        using var r = await _server.ConnectAsync();
        var acls = Call<DescribeAclsResponse>(r, new DescribeAclsRequest
        {
            ResourceTypeFilter = 2, ResourceNameFilter = null, PatternTypeFilter = 1, PrincipalFilter = "User:crash", HostFilter = null, Operation = 1, PermissionType = 1,
        }, 3);
        Assert.Equal(0, acls.ErrorCode);
        Assert.Equal(Enumerable.Range(0, Changes).Select(i => $"crash-{i}").Order(StringComparer.Ordinal),
            acls.Resources.Select(x => x.ResourceName).Order(StringComparer.Ordinal));
        var users = Call<DescribeUserScramCredentialsResponse>(r, new DescribeUserScramCredentialsRequest { Users = null }, 0);
        Assert.Equal(Enumerable.Range(0, Changes).Select(i => $"crash-user-{i}").Order(StringComparer.Ordinal),
            users.Results.Where(u => u.ErrorCode == 0).Select(u => u.User).Order(StringComparer.Ordinal));
        await _server.StopAsync();
    }
}
