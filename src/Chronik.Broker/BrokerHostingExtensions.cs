using System.Globalization;
using System.Net;
using Chronik.Broker.Dispatch;
using Chronik.Broker.Handlers;
using Chronik.Broker.Metrics;
using Chronik.Broker.Network;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Configs;
using Chronik.Coordination.Features;
using Chronik.Coordination.Membership;
using Chronik.Coordination.Metadata;
using Chronik.Coordination.Producers;
using Chronik.Coordination.Quotas;
using Chronik.Coordination.Security;
using Chronik.Coordination.Topics;
using Chronik.Coordination.Transactions;
using Chronik.Storage;
using Chronik.Storage.Disk;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Chronik.Coordination.Configs.Catalog;

namespace Chronik.Broker;

/// <summary>Registers the broker (storage, topics, handlers, Kafka listener) in a .NET host.</summary>
public static class BrokerHostingExtensions
{
    public static IServiceCollection AddChronikBroker(this IServiceCollection services, BrokerOptions options, ILogStore? store = null)
    {
        services.AddSingleton(options);
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions>(o => o.IOQueueCount = Math.Max(1, options.IoThreads));
        // 64 KiB receive blocks instead of Kestrel's 4 KiB: a sixteenth of the receive syscalls on the produce path.
        services.AddSingleton<IMemoryPoolFactory<byte>, LargeBlockMemoryPoolFactory>();
        services.AddSingleton(sp =>
        {
            var metrics = new BrokerMetrics();
            metrics.ObserveTopics(() =>
            {
                var topics = sp.GetRequiredService<TopicManager>().Topics;
                return (topics.Count, topics.Sum(t => t.PartitionCount));
            });
            return metrics;
        });
        var defaults = TopicDefaultsFrom(options);
        if (store is not null) services.AddSingleton(store);
        else
        {
            services.AddSingleton<ILogStore>(sp =>
            {
                long started = Environment.TickCount64;
                var opened = FileLogStore.Open(options.DataDir, new FileLogStoreOptions
                {
                    DefaultConfig = TopicConfigCatalog.ToLogConfig(k => defaults.TopicConfigDefaults.GetValueOrDefault(k)),
                    MaxOpenSegmentFiles = options.LogMaxOpenSegmentFiles,
                });
                // Recovery is the start-up cost that grows with the partition count: worth one line per start.
                sp.GetRequiredService<ILogger<FileLogStore>>().LogInformation(
                    "Opened the file store ({Count} partitions) in {Ms} ms", opened.Partitions.Count(), Environment.TickCount64 - started);
                return opened;
            });
        }
        // Cluster metadata as one replayed log of KRaft records: in <data>/__cluster_metadata/, or in memory with the memory log store.
        services.AddSingleton<IMetadataStore>(sp =>
        {
            if (store is not null) return new MemoryMetadataStore();
            long started = Environment.TickCount64;
            var opened = LocalMetadataStore.Open(options.DataDir);
            var r = opened.Recovery;
            var log = sp.GetRequiredService<ILogger<LocalMetadataStore>>();
            if (r.TruncatedBytes > 0 || r.DroppedSegments > 0)
            {
                log.LogWarning("Cut a torn metadata log tail: {Bytes} bytes and {Dropped} later segment(s) (next offset {Next})", r.TruncatedBytes, r.DroppedSegments, r.NextOffset);
            }
            log.LogInformation("Opened the metadata log: next offset {Next}, snapshot end {Snapshot}, {Segments} segment(s) in {Ms} ms",
                r.NextOffset, r.SnapshotEnd, r.Segments, Environment.TickCount64 - started);
            return opened;
        });
        services.AddSingleton(sp =>
        {
            var logs = sp.GetRequiredService<ILogStore>();
            var metadata = sp.GetRequiredService<IMetadataStore>();
            long started = Environment.TickCount64;
            var topics = new TopicManager(logs, defaults, metadata, store is null ? options.DataDir : null, options.NodeId);
            // The topics' replay is the metadata start-up cost that grows with the topic count.
            sp.GetRequiredService<ILogger<TopicManager>>().LogInformation(
                "Replayed {Count} topic(s) from the metadata log in {Ms} ms", topics.Topics.Count, Environment.TickCount64 - started);
            return topics;
        });
        // The live brokers: this node alone, unless the host (the server's cluster mode) registers its membership instead.
        services.TryAddSingleton<ILiveBrokers>(_ => new SingleNodeBrokers(options));
        services.AddSingleton<ClusterView>();
        services.AddSingleton(sp => new AclStore(sp.GetRequiredService<IMetadataStore>(), store is null ? options.DataDir : null));
        services.AddSingleton<AclRequestAuthorizer>();
        services.AddSingleton<IRequestAuthorizer>(sp => sp.GetRequiredService<AclRequestAuthorizer>());
        services.AddSingleton(sp => new DynamicBrokerConfigs(options, sp.GetRequiredService<TopicManager>(), sp.GetRequiredService<IMetadataStore>(), store is null ? options.DataDir : null));
        services.AddHostedService(sp => sp.GetRequiredService<DynamicBrokerConfigs>());
        services.AddSingleton(sp => new GroupConfigStore(GroupCoordinatorService.GroupConfigBoundsFrom(options), sp.GetRequiredService<IMetadataStore>(), store is null ? options.DataDir : null));
        services.AddSingleton(sp => new FinalizedFeatures(sp.GetRequiredService<IMetadataStore>(), store is null ? options.DataDir : null, options.NodeId));
        services.AddSingleton(sp => new ScramCredentialStore(sp.GetRequiredService<IMetadataStore>(), store is null ? options.DataDir : null));
        services.AddSingleton<ConfigAlterer>();
        services.AddSingleton<ClientTelemetry>();
        services.AddSingleton(sp => new ClientQuotaStore(sp.GetRequiredService<IMetadataStore>(), store is null ? options.DataDir : null));
        services.AddSingleton(sp => new ClientQuotas(sp.GetRequiredService<ClientQuotaStore>(), options));
        services.AddSingleton<FetchSessionCache>();
        services.AddSingleton<GroupCoordinatorService>();
        services.AddHostedService(sp => sp.GetRequiredService<GroupCoordinatorService>());
        services.AddSingleton<ShareGroupService>();
        services.AddHostedService(sp => sp.GetRequiredService<ShareGroupService>());
        services.AddSingleton(sp => new ProducerIdManager(sp.GetRequiredService<IMetadataStore>(), store is null ? options.DataDir : null, options.NodeId));
        services.AddSingleton<ProducerStateRegistry>();
        services.AddSingleton<TransactionMarkerWriter>();
        // Transaction state as records on the metadata store (a transactions.log of the JSON era is imported once).
        services.AddSingleton(sp => new TransactionCoordinatorService(sp.GetRequiredService<IMetadataStore>(), sp.GetRequiredService<ProducerIdManager>(),
            sp.GetRequiredService<TransactionMarkerWriter>(), TimeProvider.System, options.TransactionMaxTimeoutMs, options.TransactionalIdExpirationMs,
            store is null ? options.DataDir : null));
        services.AddHostedService<ProducerStateService>();
        services.AddHostedService<TransactionTimeoutService>();
        foreach (var type in typeof(BrokerHostingExtensions).Assembly.GetTypes())
        {
            if (type is { IsClass: true, IsAbstract: false } && typeof(IApiHandler).IsAssignableFrom(type))
            {
                // KIP-714 is served only when asked for, as Kafka serves it only with a telemetry receiver configured.
                if (!options.ClientTelemetryEnable && (type == typeof(GetTelemetrySubscriptionsHandler) || type == typeof(PushTelemetryHandler))) continue;
                services.AddSingleton(typeof(IApiHandler), type);
            }
        }
        services.TryAddSingleton<Security.IScramCredentialProvider, Security.ScramStoreCredentials>();
        services.AddSingleton<HandlerRegistry>();
        services.AddSingleton(sp => new Lazy<HandlerRegistry>(sp.GetRequiredService<HandlerRegistry>));
        services.AddSingleton<RequestDispatcher>();
        services.AddSingleton<Network.ResponseWriter>();
        services.AddHostedService<RetentionService>();
        services.AddSingleton<LogCleanerService>();
        services.AddHostedService(sp => sp.GetRequiredService<LogCleanerService>());
        return services;
    }

    /// <summary>
    /// Adds every Kafka listener (the first on --bind:--kafka-port), each with its own TLS. Its connections carry the
    /// <see cref="BrokerListener"/> as a connection feature, which the connection handler gives their session.
    /// </summary>
    public static KestrelServerOptions ListenChronikBroker(this KestrelServerOptions kestrel, BrokerOptions options)
    {
        foreach (var listener in options.Listeners)
        {
            kestrel.Listen(ParseBind(listener.BindAddress), listener.Port, l =>
            {
                l.Use(next => connection =>
                {
                    connection.Features.Set(listener);
                    return next(connection);
                });
                if (listener.Security.UsesTls) Security.TlsListener.Use(l, listener.Security);
                l.UseConnectionHandler<KafkaConnectionHandler>();
            });
        }
        return kestrel;
    }

    public static IPAddress ParseBind(string bind)
    {
        if (IPAddress.TryParse(bind, out var ip)) return ip;
        if (string.Equals(bind, "localhost", StringComparison.OrdinalIgnoreCase)) return IPAddress.Loopback;
        return Dns.GetHostAddresses(bind).First();
    }

    /// <summary>The broker settings topics fall back to, keyed by topic config name.</summary>
    public static TopicDefaults TopicDefaultsFrom(BrokerOptions o)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [TopicConfigKeys.SegmentBytes.Name] = S(Math.Min(o.LogSegmentBytes, int.MaxValue)),
            [TopicConfigKeys.SegmentMs.Name] = S(o.LogRollMs),
            [TopicConfigKeys.RetentionMs.Name] = S(o.LogRetentionMs),
            [TopicConfigKeys.RetentionBytes.Name] = S(o.LogRetentionBytes),
            [TopicConfigKeys.MaxMessageBytes.Name] = S(o.MessageMaxBytes),
            [TopicConfigKeys.MessageTimestampType.Name] = o.LogMessageTimestampType,
        };
        if (o.LogFlushIntervalMessages is { } fm) d[TopicConfigKeys.FlushMessages.Name] = S(fm);
        if (o.LogFlushIntervalMs is { } fms) d[TopicConfigKeys.FlushMs.Name] = S(fms);
        return new TopicDefaults
        {
            NumPartitions = o.NumPartitions,
            ReplicationFactor = o.DefaultReplicationFactor,
            AutoCreateTopics = o.AutoCreateTopicsEnable,
            MaxBrokerPartitions = o.MaxBrokerPartitions,
            TopicConfigDefaults = d,
        };

        static string S(long v) => v.ToString(CultureInfo.InvariantCulture);
    }
}
