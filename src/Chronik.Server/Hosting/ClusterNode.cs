using System.Globalization;
using Chronik.Broker;
using Chronik.Cluster.Connection;
using Chronik.Cluster.Membership;
using Chronik.Cluster.Metadata;
using Chronik.Storage.Objects;
using Npgsql;

namespace Chronik.Server.Hosting;

/// <summary>A start-up failure of cluster mode, with the one line that says why.</summary>
internal sealed class ClusterStartException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Cluster mode's engines, opened before the broker is built (--metadata-url, --object-store): the PostgreSQL pool, the
/// schema (migrated under its advisory lock), the object store (opened and probed, not yet used for data), this
/// broker's registration with its heartbeat timer, and the shared metadata store that replaces the local one. Each
/// step's failure is a <see cref="ClusterStartException"/> naming what failed, so the server exits with one line.
/// Disposing unregisters first (others drop this broker at once), then closes the store, the object store and the pool.
/// </summary>
internal sealed class ClusterNode : IDisposable
{
    private static readonly TimeSpan s_probeTimeout = TimeSpan.FromSeconds(30);

    private readonly NpgsqlDataSource _dataSource;

    private ClusterNode(NpgsqlDataSource dataSource, IObjectStore objects, ClusterMembership membership, PostgresMetadataStore metadata)
    {
        _dataSource = dataSource;
        ObjectStore = objects;
        Membership = membership;
        Metadata = metadata;
    }

    public IObjectStore ObjectStore { get; }
    public ClusterMembership Membership { get; }
    public PostgresMetadataStore Metadata { get; }

    /// <summary>
    /// The configuration errors of cluster mode (exit 2 before anything is opened): a URL that does not parse, an object
    /// store without a metadata URL or the other way round, a heartbeat interval not below the session timeout.
    /// </summary>
    public static List<string> Validate(BrokerOptions o)
    {
        var errors = new List<string>();
        if (o.MetadataUrl is null)
        {
            if (o.ObjectStoreUrl is not null) errors.Add("--object-store (object.store.url) needs --metadata-url (metadata.url): the object store is shared by a cluster");
            return errors;
        }
        try
        {
            PostgresUrl.ToConnectionString(o.MetadataUrl);
        }
        catch (FormatException e)
        {
            errors.Add($"invalid --metadata-url: {e.Message}");
        }
        if (o.ObjectStoreUrl is null) errors.Add("--metadata-url (metadata.url) needs --object-store (object.store.url): file:///PATH or s3://BUCKET?endpoint=...");
        else
        {
            try
            {
                ObjectStoreUrl.Parse(o.ObjectStoreUrl);
            }
            catch (FormatException e)
            {
                errors.Add($"invalid --object-store: {e.Message}");
            }
        }
        if (o.BrokerHeartbeatIntervalMs >= o.BrokerSessionTimeoutMs)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture,
                $"broker.heartbeat.interval.ms ({o.BrokerHeartbeatIntervalMs}) must be less than broker.session.timeout.ms ({o.BrokerSessionTimeoutMs})"));
        }
        if (o.NodeId < 0) errors.Add(string.Create(CultureInfo.InvariantCulture, $"a cluster member needs a node id >= 0 (--node-id), not {o.NodeId}"));
        return errors;
    }

    /// <summary>Opens every engine and registers this broker; throws <see cref="ClusterStartException"/> (having closed what it opened) when one fails.</summary>
    public static ClusterNode Open(BrokerOptions o)
    {
        var dataSource = NpgsqlDataSource.Create(PostgresUrl.ToConnectionString(o.MetadataUrl!));
        IObjectStore? objects = null;
        ClusterMembership? membership = null;
        try
        {
            objects = OpenObjectStore(o.ObjectStoreUrl!);
            BrokerRegistry registry = Step("cannot open the metadata database " + PostgresUrl.Redact(o.MetadataUrl!),
                () => new BrokerRegistry(dataSource, TimeSpan.FromMilliseconds(o.BrokerSessionTimeoutMs)));
            var endpoint = new BrokerEndpoint(o.NodeId, o.AdvertisedHost, o.EffectiveAdvertisedPort, o.BrokerRack);
            membership = new ClusterMembership(registry, endpoint, TimeSpan.FromMilliseconds(o.BrokerHeartbeatIntervalMs));
            try
            {
                membership.Start();
            }
            catch (NodeIdInUseException e)
            {
                throw new ClusterStartException(e.Message, e);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                throw new ClusterStartException($"cannot register node id {o.NodeId}: {e.Message}", e);
            }
            var metadata = Step("cannot open the shared metadata store", () => PostgresMetadataStore.Open(dataSource));
            return new ClusterNode(dataSource, objects, membership, metadata);
        }
        catch
        {
            membership?.Dispose();
            objects?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            dataSource.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        try
        {
            Membership.Dispose();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // The row lapses by itself after the session timeout.
        }
        Metadata.Dispose();
        ObjectStore.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _dataSource.Dispose();
    }

    private static IObjectStore OpenObjectStore(string url)
    {
        IObjectStore store;
        try
        {
            store = ObjectStoreUrl.Parse(url).Open();
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException or ArgumentException or ObjectStoreException)
        {
            throw new ClusterStartException($"cannot open the object store {url}: {e.Message}", e);
        }
        try
        {
            // One listing of a prefix nothing is written under: it reaches the bucket or directory and checks access.
            using var cancel = new CancellationTokenSource(s_probeTimeout);
            store.ListAsync("cluster-probe/", null, 1, cancel.Token).GetAwaiter().GetResult();
            return store;
        }
        catch (Exception e)
        {
            store.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw new ClusterStartException($"cannot reach the object store {store.Description}: {e.Message}", e);
        }
    }

    private static T Step<T>(string what, Func<T> open)
    {
        try
        {
            return open();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or NotSupportedException)
        {
            throw new ClusterStartException($"{what}: {e.Message}", e);
        }
    }
}
