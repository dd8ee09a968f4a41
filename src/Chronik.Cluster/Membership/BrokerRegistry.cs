using Chronik.Cluster.Schema;
using Npgsql;

namespace Chronik.Cluster.Membership;

/// <summary>A broker's advertised listener and rack, as it registers them.</summary>
public sealed record BrokerEndpoint(int NodeId, string Host, int Port, string? Rack = null);

/// <summary>This broker's registration: its session epoch fences an older holder of the same node id.</summary>
public sealed record BrokerSession(BrokerEndpoint Endpoint, long Epoch);

/// <summary>A row of the brokers table.</summary>
public sealed record RegisteredBroker(BrokerEndpoint Endpoint, long Epoch, DateTimeOffset RegisteredAt, DateTimeOffset LastHeartbeat);

/// <summary>Registering a node id whose holder is still live (its heartbeat is within the session timeout).</summary>
public sealed class NodeIdInUseException(string message) : Exception(message);

/// <summary>A heartbeat or unregistration by a session that another broker has since taken over (or that was removed).</summary>
public sealed class BrokerFencedException(string message) : Exception(message);

/// <summary>
/// The brokers table: each broker registers its node id, listener and rack at start and heartbeats; a node id
/// whose last heartbeat is older than the session timeout (Kafka's broker.session.timeout.ms) is free to take, and
/// taking it bumps the session epoch so the old holder's heartbeats are refused. All times are PostgreSQL's
/// clock_timestamp(), so brokers' clocks need not agree.
/// </summary>
public sealed class BrokerRegistry
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeSpan _sessionTimeout;

    /// <summary>Migrates the schema if needed; <paramref name="sessionTimeout"/> is how long a broker stays live without a heartbeat.</summary>
    public BrokerRegistry(NpgsqlDataSource dataSource, TimeSpan sessionTimeout)
    {
        if (sessionTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(sessionTimeout), "the session timeout must be positive");
        _dataSource = dataSource;
        _sessionTimeout = sessionTimeout;
        ClusterSchema.Migrate(dataSource);
    }

    /// <summary>The session timeout this registry judges liveness by.</summary>
    public TimeSpan SessionTimeout => _sessionTimeout;

    /// <summary>
    /// Registers <paramref name="endpoint"/>: a new node id, or one whose holder lapsed, gets a new session epoch.
    /// Throws <see cref="NodeIdInUseException"/>, naming the live holder, when the node id is taken.
    /// </summary>
    public BrokerSession Register(BrokerEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (endpoint.Port is < 1 or > 65535) throw new ArgumentOutOfRangeException(nameof(endpoint), $"port {endpoint.Port} is not a TCP port");
        using var conn = _dataSource.OpenConnection();
        using (var cmd = new NpgsqlCommand("""
            INSERT INTO brokers AS b (node_id, host, port, rack, session_epoch, registered_at, last_heartbeat)
            VALUES (@node, @host, @port, @rack, 1, clock_timestamp(), clock_timestamp())
            ON CONFLICT (node_id) DO UPDATE SET
                host = excluded.host, port = excluded.port, rack = excluded.rack,
                session_epoch = b.session_epoch + 1, registered_at = clock_timestamp(), last_heartbeat = clock_timestamp()
            WHERE b.last_heartbeat < clock_timestamp() - @timeout
            RETURNING session_epoch
            """, conn))
        {
            cmd.Parameters.AddWithValue("node", endpoint.NodeId);
            cmd.Parameters.AddWithValue("host", endpoint.Host);
            cmd.Parameters.AddWithValue("port", endpoint.Port);
            cmd.Parameters.AddWithValue("rack", (object?)endpoint.Rack ?? DBNull.Value);
            cmd.Parameters.AddWithValue("timeout", _sessionTimeout);
            if (cmd.ExecuteScalar() is long epoch) return new BrokerSession(endpoint, epoch);
        }
        using var holder = new NpgsqlCommand("""
            SELECT host, port, EXTRACT(EPOCH FROM clock_timestamp() - last_heartbeat)::float8 FROM brokers WHERE node_id = @node
            """, conn);
        holder.Parameters.AddWithValue("node", endpoint.NodeId);
        using var reader = holder.ExecuteReader();
        string who = reader.Read()
            ? $"a live broker at {reader.GetString(0)}:{reader.GetInt32(1)} (last heartbeat {reader.GetDouble(2):0.0} s ago)"
            : "a live broker";
        throw new NodeIdInUseException(
            $"node id {endpoint.NodeId} is already registered by {who}; a broker keeps its node id until it has not " +
            $"heartbeated for the session timeout ({_sessionTimeout.TotalMilliseconds:0} ms). Give this broker another " +
            "--node-id, or stop the other one first.");
    }

    /// <summary>Renews <paramref name="session"/>'s lease; throws <see cref="BrokerFencedException"/> if another broker took the node id.</summary>
    public void Heartbeat(BrokerSession session)
    {
        if (Execute("UPDATE brokers SET last_heartbeat = clock_timestamp() WHERE node_id = @node AND session_epoch = @epoch", session) == 0)
        {
            throw new BrokerFencedException(
                $"node id {session.Endpoint.NodeId} session epoch {session.Epoch} is no longer registered: another broker took the node id after this one's session lapsed");
        }
    }

    /// <summary>Removes <paramref name="session"/>'s row (a clean shutdown); a no-op if another session holds the node id now.</summary>
    public bool Unregister(BrokerSession session) =>
        Execute("DELETE FROM brokers WHERE node_id = @node AND session_epoch = @epoch", session) > 0;

    /// <summary>The brokers whose last heartbeat is within the session timeout, by node id.</summary>
    public IReadOnlyList<RegisteredBroker> LiveBrokers() => Read("WHERE last_heartbeat >= clock_timestamp() - @timeout");

    /// <summary>Every registered broker, live or lapsed, by node id.</summary>
    public IReadOnlyList<RegisteredBroker> AllBrokers() => Read("");

    private List<RegisteredBroker> Read(string where)
    {
        using var conn = _dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand(
            $"SELECT node_id, host, port, rack, session_epoch, registered_at, last_heartbeat FROM brokers {where} ORDER BY node_id", conn);
        cmd.Parameters.AddWithValue("timeout", _sessionTimeout);
        using var reader = cmd.ExecuteReader();
        var brokers = new List<RegisteredBroker>();
        while (reader.Read())
        {
            brokers.Add(new RegisteredBroker(
                new BrokerEndpoint(reader.GetInt32(0), reader.GetString(1), reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetString(3)),
                reader.GetInt64(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateTimeOffset>(6)));
        }
        return brokers;
    }

    private int Execute(string sql, BrokerSession session)
    {
        using var conn = _dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue("node", session.Endpoint.NodeId);
        cmd.Parameters.AddWithValue("epoch", session.Epoch);
        return cmd.ExecuteNonQuery();
    }
}
