using Chronik.Tests;

namespace Chronik.Cluster.Tests;

/// <summary>One real PostgreSQL for the whole test run; each test creates its own database on it.</summary>
public sealed class PostgresFixture : IDisposable
{
    internal PostgresServer Server { get; } = PostgresServer.Start();

    /// <summary>A fresh, empty database's connection string.</summary>
    public string NewDatabase() => Server.CreateDatabase();

    public void Dispose() => Server.Dispose();
}

/// <summary>The test classes that share the server (run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "Postgres";
}
