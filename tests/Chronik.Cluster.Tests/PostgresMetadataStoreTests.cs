using Chronik.Cluster.Metadata;
using Chronik.Coordination.Metadata;
using Chronik.Coordination.Tests.Metadata;

namespace Chronik.Cluster.Tests;

/// <summary>The metadata-store contract on the PostgreSQL store: a reopen is a new store (a broker restart) on the same database.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresMetadataStoreTests(PostgresFixture pg) : MetadataStoreContract
{
    private readonly string _db = pg.NewDatabase();

    protected override IMetadataStore OpenCore(MetadataStoreOptions options) => PostgresMetadataStore.Open(_db, options);
}
