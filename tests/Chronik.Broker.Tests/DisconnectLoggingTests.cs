using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using Chronik.Broker.Metrics;
using Chronik.Protocol.Messages;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>
/// What an operator sees: clients that hang up (even in the middle of a long poll) are not errors, and bad input is a
/// warning without a stack trace; error and above is kept for the broker's own faults.
/// </summary>
public sealed class DisconnectLoggingTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<Entry> _entries = new();
    private readonly BrokerFixture _broker;

    public DisconnectLoggingTests() => _broker = new BrokerFixture { ConfigureServices = s => s.AddSingleton<ILoggerProvider>(new CapturingLoggerProvider(_entries)) };

    public Task InitializeAsync() => _broker.InitializeAsync();

    public Task DisposeAsync() => _broker.DisposeAsync();

    [Fact]
    public async Task Clients_closing_mid_long_poll_log_nothing_at_error_or_warning_with_a_stack()
    {
        const string topic = "long-poll-hangups";
        using (var admin = new RawClient(_broker.Port))
        {
            var create = new CreateTopicsRequest { Topics = [new() { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }], TimeoutMs = 10_000 };
            var created = admin.Receive<CreateTopicsResponse>(admin.Send(create, 5), 5, 1);
            Assert.Equal(0, created.Topics[0].ErrorCode);
        }

        var clients = new List<RawClient>();
        try
        {
            for (int i = 0; i < 100; i++)
            {
                var c = new RawClient(_broker.Port);
                clients.Add(c);
                // An empty topic fetched at offset 0 is at its end: the fetch parks for max_wait.
                var fetch = new FetchRequest
                {
                    MaxWaitMs = 5_000, MinBytes = 1, MaxBytes = 1 << 20, SessionEpoch = -1,
                    Topics = [new() { Topic = topic, Partitions = [new() { Partition = 0, FetchOffset = 0, PartitionMaxBytes = 1 << 20, LogStartOffset = -1 }] }],
                };
                c.Send(fetch, i % 2 == 0 ? (short)12 : (short)4);
            }
            await Task.Delay(500); // every fetch is parked in its long poll
        }
        finally
        {
            // Half hang up in order (FIN), half abortively (RST).
            for (int i = 0; i < clients.Count; i++)
            {
                if (i % 4 < 2) clients[i].Dispose();
                else clients[i].Reset();
            }
        }

        var metrics = _broker.Services.GetRequiredService<BrokerMetrics>();
        for (int i = 0; i < 100 && metrics.OpenConnections > 0; i++) await Task.Delay(50);
        Assert.Equal(0, metrics.OpenConnections);
        await Task.Delay(200); // loggers run on the connection's own tasks
        AssertNoFaultLogged();
    }

    [Fact]
    public async Task Malformed_frames_are_warnings_without_a_stack_trace()
    {
        byte[][] frames =
        [
            [0, 0, 0, 3, 1, 2, 3],                          // size below a header
            [0x7f, 0xff, 0xff, 0xff],                       // beyond socket.request.max.bytes
            Frame([0x7f, 0x00, 0, 0, 0, 0, 0, 1]),          // unknown api key
            Frame([0, 3, 0, 99, 0, 0, 0, 1, 0xff, 0xff]),   // Metadata at a version nobody speaks
            Frame([0, 3, 0, 9, 0, 0, 0, 1, 0, 5, (byte)'x']), // client id longer than the frame
            Frame([0, 3, 0, 1, 0, 0, 0, 1, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff]), // topic array of 2^31-1 entries
        ];
        foreach (var frame in frames)
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", _broker.Port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(frame);
            stream.ReadTimeout = 5_000;
            // The broker closes the connection: the read sees the end of the stream.
            Assert.Equal(0, await stream.ReadAsync(new byte[64]));
        }
        await Task.Delay(200);
        AssertNoFaultLogged();
        Assert.Contains(_entries, e => e.Level == LogLevel.Warning);
    }

    private static byte[] Frame(byte[] payload)
    {
        var frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length);
        payload.CopyTo(frame, 4);
        return frame;
    }

    private void AssertNoFaultLogged()
    {
        var bad = _entries.Where(e => e.Level >= LogLevel.Error || (e.Level == LogLevel.Warning && e.Exception is not null)).ToList();
        Assert.True(bad.Count == 0, string.Join("\n", bad.Select(e => $"{e.Level} {e.Category}: {e.Message}\n{e.Exception}")));
    }

    /// <summary>One log entry as written.</summary>
    private sealed record Entry(string Category, LogLevel Level, string Message, Exception? Exception);

    /// <summary>Keeps every entry written through any logger it created.</summary>
    private sealed class CapturingLoggerProvider(ConcurrentQueue<Entry> entries) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(entries, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<Entry> entries, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                => entries.Enqueue(new Entry(category, logLevel, formatter(state, exception), exception));
        }
    }
}
