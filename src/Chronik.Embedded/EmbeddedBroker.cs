using System.Net;
using System.Net.Sockets;
using Chronik.Broker;
using Chronik.Broker.Hosting;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Topics;
using Chronik.Storage.Memory;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Chronik.Embedded;

/// <summary>
/// A real Chronik broker inside this process, on 127.0.0.1: <c>await using var broker = await EmbeddedBroker.StartAsync();</c>
/// then point any Kafka client at <see cref="BootstrapServers"/>.
/// </summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    // A stopping broker answers in-flight requests first; a test should not wait Kafka's 10 s for that.
    private static readonly TimeSpan s_shutdownTimeout = TimeSpan.FromSeconds(2);
    private const int PortAttempts = 5;

    private readonly EmbeddedBrokerOptions _options;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private WebApplication? _app;
    // The host does not dispose a store handed to it as an instance, so the broker does (its meter would outlive it).
    private MemoryLogStore? _memoryStore;
    private bool _disposed;

    private EmbeddedBroker(EmbeddedBrokerOptions options, int port)
    {
        _options = options;
        Port = port;
    }

    /// <summary><c>127.0.0.1:PORT</c>, for a client's <c>bootstrap.servers</c>.</summary>
    public string BootstrapServers => $"127.0.0.1:{Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>The port the broker listens on; it stays the same across <see cref="RestartAsync"/>.</summary>
    public int Port { get; private set; }

    /// <summary>The data directory, or null when the broker keeps everything in memory.</summary>
    public string? DataDirectory => _options.DataDirectory;

    /// <summary>True between a start and the next stop.</summary>
    public bool IsRunning => _app is not null;

    /// <summary>The running broker's services (topics, groups, ...), for tests that look inside; null while stopped.</summary>
    public IServiceProvider? Services => _app?.Services;

    /// <summary>Starts a broker and returns once it accepts connections.</summary>
    /// <exception cref="EmbeddedBrokerException">An option or property is invalid, or no port could be bound.</exception>
    public static async Task<EmbeddedBroker> StartAsync(EmbeddedBrokerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new EmbeddedBrokerOptions();
        var broker = new EmbeddedBroker(options, options.Port ?? 0);
        await broker.StartCoreAsync(choosePort: options.Port is null or 0, cancellationToken).ConfigureAwait(false);
        return broker;
    }

    /// <summary>Starts a stopped broker again on the same port; a data directory keeps its topics, records and offsets, memory starts empty.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_app is null)
            {
                await StartCoreAsync(choosePort: false, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the broker: in-flight requests are answered, the logs flushed and closed, the port released.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await StopCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops and starts again on the same port, as a broker restart would (for resilience tests).</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync(cancellationToken).ConfigureAwait(false);
        await StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates topics; each name that exists already, or is invalid, fails the call with the broker's reason.</summary>
    public Task CreateTopicsAsync(params EmbeddedTopic[] topics)
    {
        TopicManager manager = Running().GetRequiredService<TopicManager>();
        var failures = new List<string>();
        foreach (EmbeddedTopic topic in topics)
        {
            var configs = topic.Configs.ToDictionary(c => c.Key, c => (string?)c.Value, StringComparer.Ordinal);
            TopicResult result = manager.Create(topic.Name, topic.Partitions, -1, configs, validateOnly: false);
            if (result.Error != Protocol.Messages.ErrorCode.None)
            {
                failures.Add($"{topic.Name}: {result.Error} {result.Message}");
            }
        }
        return failures.Count == 0 ? Task.CompletedTask
            : Task.FromException(new InvalidOperationException("CreateTopics failed: " + string.Join("; ", failures)));
    }

    /// <summary>Creates topics by name with the default partition count.</summary>
    public Task CreateTopicsAsync(params string[] names) => CreateTopicsAsync(names.Select(n => new EmbeddedTopic(n)).ToArray());

    /// <summary>Stops the broker (if running) and releases everything it held. The data directory is left as it is.</summary>
    public async ValueTask DisposeAsync()
    {
        // The gate is never disposed: a SemaphoreSlim whose wait handle was never asked for holds nothing to release.
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            await StopCoreAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private IServiceProvider Running() =>
        _app?.Services ?? throw new InvalidOperationException("The embedded broker is not running.");

    private async Task StartCoreAsync(bool choosePort, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            if (choosePort)
            {
                Port = FreePort();
            }
            BrokerOptions options = EmbeddedConfiguration.ToBrokerOptions(_options, Port);
            MemoryLogStore? memoryStore = _options.DataDirectory is null ? new MemoryLogStore() : null;
            WebApplicationBuilder builder = BrokerHost.CreateBuilder(options, memoryStore, s_shutdownTimeout);
            if (_options.LoggerFactory is { } factory)
            {
                BrokerHost.UseLoggerFactory(builder.Logging, factory, _options.LogLevel);
            }
            WebApplication app = builder.Build();
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e) when (IsAddressInUse(e) && choosePort && attempt < PortAttempts)
            {
                // Another process took the free port between the probe and the bind: try another.
                await DisposeAsync(app, memoryStore).ConfigureAwait(false);
                continue;
            }
            catch
            {
                await DisposeAsync(app, memoryStore).ConfigureAwait(false);
                throw;
            }
            _app = app;
            _memoryStore = memoryStore;
            try
            {
                ApplyAcls(app.Services);
            }
            catch
            {
                await StopCoreAsync(CancellationToken.None).ConfigureAwait(false);
                throw;
            }
            return;
        }
    }

    private async Task StopCoreAsync(CancellationToken cancellationToken)
    {
        if (_app is not { } app)
        {
            return;
        }
        MemoryLogStore? memoryStore = _memoryStore;
        _app = null;
        _memoryStore = null;
        try
        {
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await DisposeAsync(app, memoryStore).ConfigureAwait(false);
        }
    }

    private static async Task DisposeAsync(WebApplication app, MemoryLogStore? memoryStore)
    {
        await app.DisposeAsync().ConfigureAwait(false);
        if (memoryStore is not null)
        {
            await memoryStore.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void ApplyAcls(IServiceProvider services)
    {
        if (_options.Acls.Count == 0)
        {
            return;
        }
        var results = services.GetRequiredService<AclStore>().Create(_options.Acls.ToList());
        string[] failed = results.Where(r => !r.Succeeded).Select(r => r.ErrorMessage!).ToArray();
        if (failed.Length > 0)
        {
            throw new EmbeddedBrokerException("ACLs refused: " + string.Join("; ", failed));
        }
    }

    private static bool IsAddressInUse(IOException e) =>
        e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }
        || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
