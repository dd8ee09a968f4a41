using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using KafkaError = Chronik.Protocol.Messages.ErrorCode;

namespace Chronik.Broker.Tests;

/// <summary>DescribeUserScramCredentials and AlterUserScramCredentials over the wire and through Confluent's admin client.</summary>
[Collection("broker")]
public class ScramCredentialsTests(BrokerFixture broker)
{
    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    private static T Call<T>(int port, IKafkaMessage request) where T : IKafkaMessage, new()
    {
        using var c = new RawClient(port);
        int corr = c.Send(request, 0);
        return c.Receive<T>(corr, 0, ApiKeys.ResponseHeaderVersion(request.ApiKey, 0));
    }

    [Fact]
    public async Task Confluent_admin_client_upserts_describes_and_deletes_credentials()
    {
        string user = Unique("scram-user");
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.Bootstrap }).Build();
        await admin.AlterUserScramCredentialsAsync(
        [
            new UserScramCredentialUpsertion
            {
                User = user,
                ScramCredentialInfo = new ScramCredentialInfo { Mechanism = Confluent.Kafka.Admin.ScramMechanism.ScramSha256, Iterations = 10000 },
                Password = "password"u8.ToArray(),
                Salt = "salt"u8.ToArray(),
            },
        ]);
        var described = await admin.DescribeUserScramCredentialsAsync([user]);
        var d = Assert.Single(described.UserScramCredentialsDescriptions);
        Assert.Equal(user, d.User);
        var info = Assert.Single(d.ScramCredentialInfos);
        Assert.Equal((Confluent.Kafka.Admin.ScramMechanism.ScramSha256, 10000), (info.Mechanism, info.Iterations));

        await admin.AlterUserScramCredentialsAsync([new UserScramCredentialDeletion { User = user, Mechanism = Confluent.Kafka.Admin.ScramMechanism.ScramSha256 }]);
        var gone = await Assert.ThrowsAsync<DescribeUserScramCredentialsException>(() => admin.DescribeUserScramCredentialsAsync([user]));
        Assert.Equal(Confluent.Kafka.ErrorCode.ResourceNotFound, Assert.Single(gone.Results.UserScramCredentialsDescriptions).Error.Code);
    }

    [Fact]
    public void Wire_errors_are_kafkas()
    {
        string user = Unique("scram-wire");
        var r = Call<AlterUserScramCredentialsResponse>(broker.Port, new AlterUserScramCredentialsRequest
        {
            Upsertions =
            [
                new() { Name = user, Mechanism = 2, Iterations = 1000, Salt = [1], SaltedPassword = new byte[64] },
                new() { Name = user + "-ok", Mechanism = 2, Iterations = 4096, Salt = [1], SaltedPassword = new byte[64] },
                new() { Name = user + "-mech", Mechanism = 9, Iterations = 4096, Salt = [1], SaltedPassword = new byte[64] },
            ],
        });
        var byUser = r.Results.ToDictionary(x => x.User);
        Assert.Equal((short)KafkaError.UnacceptableCredential, byUser[user].ErrorCode);
        Assert.Equal((short)KafkaError.None, byUser[user + "-ok"].ErrorCode);
        Assert.Equal((short)KafkaError.UnsupportedSaslMechanism, byUser[user + "-mech"].ErrorCode);

        var d = Call<DescribeUserScramCredentialsResponse>(broker.Port, new DescribeUserScramCredentialsRequest { Users = [new() { Name = user }, new() { Name = user + "-ok" }] });
        Assert.Equal(0, d.ErrorCode);
        var results = d.Results.ToDictionary(x => x.User);
        Assert.Equal((short)KafkaError.ResourceNotFound, results[user].ErrorCode);
        Assert.Equal((2, 4096), (results[user + "-ok"].CredentialInfos[0].Mechanism, results[user + "-ok"].CredentialInfos[0].Iterations));
        var all = Call<DescribeUserScramCredentialsResponse>(broker.Port, new DescribeUserScramCredentialsRequest { Users = null });
        Assert.Contains(all.Results, x => x.User == user + "-ok");
    }

    [Theory]
    [InlineData(SaslMechanism.ScramSha256, Confluent.Kafka.Admin.ScramMechanism.ScramSha256)]
    [InlineData(SaslMechanism.ScramSha512, Confluent.Kafka.Admin.ScramMechanism.ScramSha512)]
    public async Task A_user_created_with_AlterUserScramCredentials_authenticates_over_sasl_scram(SaslMechanism sasl, Confluent.Kafka.Admin.ScramMechanism mechanism)
    {
        var own = new BrokerFixture
        {
            ConfigureOptions = o =>
            {
                o.Security.Protocol = Security.SecurityProtocol.SaslPlaintext;
                o.Security.PlainUsers["admin"] = "admin-secret";
            },
        };
        await own.InitializeAsync();
        try
        {
            using (var admin = new AdminClientBuilder(new AdminClientConfig
            {
                BootstrapServers = own.Bootstrap,
                SecurityProtocol = Confluent.Kafka.SecurityProtocol.SaslPlaintext,
                SaslMechanism = SaslMechanism.Plain,
                SaslUsername = "admin",
                SaslPassword = "admin-secret",
            }).Build())
            {
                await admin.AlterUserScramCredentialsAsync(
                [
                    new UserScramCredentialUpsertion
                    {
                        User = "carol",
                        ScramCredentialInfo = new ScramCredentialInfo { Mechanism = mechanism, Iterations = 4096 },
                        Password = "carol-secret"u8.ToArray(),
                    },
                ]);
            }
            ClientConfig As(string password) => new()
            {
                BootstrapServers = own.Bootstrap,
                SecurityProtocol = Confluent.Kafka.SecurityProtocol.SaslPlaintext,
                SaslMechanism = sasl,
                SaslUsername = "carol",
                SaslPassword = password,
            };
            using (var carol = new AdminClientBuilder(new AdminClientConfig(As("carol-secret"))).Build())
            {
                Assert.NotEmpty(carol.GetMetadata(TimeSpan.FromSeconds(10)).Brokers);
            }
            using var wrong = new AdminClientBuilder(new AdminClientConfig(As("wrong"))).Build();
            Assert.ThrowsAny<KafkaException>(() => wrong.GetMetadata(TimeSpan.FromSeconds(5)));
        }
        finally
        {
            await own.DisposeAsync();
        }
    }

    [Fact]
    public async Task Without_cluster_permission_the_apis_answer_cluster_authorization_failed()
    {
        await using var own = new GroupTestBroker(partitions: 1);
        own.Options.AuthorizerClassName = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
        own.Options.AllowEveryoneIfNoAclFound = false;
        await own.StartAsync();
        var d = Call<DescribeUserScramCredentialsResponse>(own.Port, new DescribeUserScramCredentialsRequest { Users = null });
        Assert.Equal((short)KafkaError.ClusterAuthorizationFailed, d.ErrorCode);
        var a = Call<AlterUserScramCredentialsResponse>(own.Port, new AlterUserScramCredentialsRequest
        {
            Upsertions = [new() { Name = "eve", Mechanism = 1, Iterations = 4096, Salt = [1], SaltedPassword = new byte[32] }],
        });
        Assert.Equal(("eve", (short)KafkaError.ClusterAuthorizationFailed), (Assert.Single(a.Results).User, a.Results[0].ErrorCode));
        Assert.Null(own.Services.GetRequiredService<Chronik.Coordination.Security.ScramCredentialStore>().Find("eve", Chronik.Coordination.Security.ScramMechanism.ScramSha256));
    }
}
