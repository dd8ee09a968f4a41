using Chronik.Broker.Tests;
using Chronik.Protocol.Messages;

namespace Chronik.Server.Tests;

/// <summary>
/// Crash safety of the metadata log: the real server is killed with SIGKILL right after a burst of acknowledged
/// CreateAcls and AlterUserScramCredentials requests; after a restart on the same data directory every acknowledged
/// change is there (each was durable in the metadata log before it was answered).
/// </summary>
public sealed class MetadataCrashTests : IDisposable
{
    private const int Changes = 25;
    private readonly string _dir = Directory.CreateTempSubdirectory("chronik-crash-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static T Call<T>(RawClient c, Chronik.Protocol.Wire.IKafkaMessage request, short version) where T : Chronik.Protocol.Wire.IKafkaMessage, new()
    {
        int corr = c.Send(request, version);
        return c.Receive<T>(corr, version, ApiKeys.ResponseHeaderVersion(request.ApiKey, version));
    }

    private ServerProcess Start(int port)
    {
        string config = Path.Combine(_dir, "server.properties");
        File.WriteAllText(config, "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer\nallow.everyone.if.no.acl.found=true\n");
        return ServerProcess.Start("--bind", "127.0.0.1", $"--kafka-port={port}", "--metrics-port", $"{ServerProcess.FreePort()}",
            "--data-dir", Path.Combine(_dir, "data"), "--config", config);
    }

    private static async Task<RawClient> ConnectAsync(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                return new RawClient(port);
            }
            catch (System.Net.Sockets.SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    [Fact]
    public async Task Acknowledged_acl_and_scram_changes_survive_a_sigkill()
    {
        int port = ServerProcess.FreePort();
        using (var server = Start(port))
        {
            using var c = await ConnectAsync(port);
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

        using var restarted = Start(port);
        using var r = await ConnectAsync(port);
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
        restarted.Terminate();
        await restarted.WaitForExitAsync(TimeSpan.FromSeconds(30));
    }
}
