using Chronik.Tests;
using Npgsql;

namespace Chronik.Cluster.Tests;

/// <summary>The test harness itself: a server of its own starts on loopback and is gone after dispose.</summary>
public sealed class PostgresServerTests
{
    [Fact]
    public void A_server_starts_on_a_loopback_port_serves_a_new_database_and_its_postmaster_is_gone_after_dispose()
    {
        int pid;
        string dir;
        using (var server = PostgresServer.Start())
        {
            pid = server.Pid;
            dir = server.DataDir;
            using var conn = new NpgsqlConnection(server.CreateDatabase("harness"));
            conn.Open();
            using var cmd = new NpgsqlCommand("SELECT inet_server_addr()::text, current_setting('port')", conn);
            using var reader = cmd.ExecuteReader();
            Assert.True(reader.Read());
            Assert.Equal("127.0.0.1/32", reader.GetString(0));
            Assert.Equal(server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), reader.GetString(1));
        }
        Assert.False(Directory.Exists(dir));
        string stat = File.Exists($"/proc/{pid}/stat") ? File.ReadAllText($"/proc/{pid}/stat") : "";
        Assert.True(stat.Length == 0 || stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z') || !stat.Contains("postgres", StringComparison.Ordinal),
            $"postmaster {pid} still runs: {stat}");
    }
}
