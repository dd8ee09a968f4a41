using Chronik.Cluster.Connection;
using Npgsql;

namespace Chronik.Cluster.Tests;

/// <summary>--metadata-url: libpq's URI form to an Npgsql connection string, with clear errors and a redacted form for logs.</summary>
public sealed class PostgresUrlTests
{
    [Fact]
    public void A_url_names_host_port_user_password_database_and_options()
    {
        var b = new NpgsqlConnectionStringBuilder(PostgresUrl.ToConnectionString("postgresql://chronik:s%40cret@db.example:6543/meta?sslmode=require&Timeout=7"));
        Assert.Equal(("db.example", 6543, "chronik", "s@cret", "meta"), (b.Host, b.Port, b.Username, b.Password, b.Database));
        Assert.Equal(SslMode.Require, b.SslMode);
        Assert.Equal(7, b.Timeout);

        var plain = new NpgsqlConnectionStringBuilder(PostgresUrl.ToConnectionString("postgres://u@[::1]/d"));
        Assert.Equal(("::1", 5432, "u", null, "d"), (plain.Host, plain.Port, plain.Username, plain.Password, plain.Database));
    }

    [Theory]
    [InlineData("", "it is empty")]
    [InlineData("mysql://u@h/db", "expected postgresql://USER@HOST:PORT/DB")]
    [InlineData("postgresql://u@h:5432", "it names no database")]
    [InlineData("postgresql://u@h/db?nonsense=1", "parameter 'nonsense=1'")]
    public void A_bad_url_says_why(string url, string why)
    {
        var e = Assert.Throws<FormatException>(() => PostgresUrl.ToConnectionString(url));
        Assert.StartsWith("bad metadata URL", e.Message, StringComparison.Ordinal);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_password_is_redacted_for_logs_and_errors()
    {
        Assert.Equal("postgresql://u:***@h/db", PostgresUrl.Redact("postgresql://u:pw@h/db"));
        Assert.Equal("postgresql://u@h:5432/db", PostgresUrl.Redact("postgresql://u@h:5432/db"));
        var e = Assert.Throws<FormatException>(() => PostgresUrl.ToConnectionString("postgresql://u:pw@h:5432/"));
        Assert.DoesNotContain("pw", e.Message, StringComparison.Ordinal);
    }
}
