using Chronik.Broker.Tests;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;

namespace Chronik.Server.Tests;

/// <summary>
/// The crash tests' harness: a chronik-server process on one data directory and port (restartable), raw-client calls,
/// and <see cref="BurstThenKillAsync"/>, which runs numbered changes on several connections at once and SIGKILLs the
/// server once a given number were acknowledged, so the kill lands with other changes in flight.
/// </summary>
internal sealed class CrashServer : IDisposable
{
    /// <summary>What a burst knows of one change: never sent, sent with no answer (the kill came first), or acknowledged.</summary>
    public enum Outcome { NotSent, InFlight, Acknowledged }

    private readonly string _dir = Directory.CreateTempSubdirectory("chronik-crash-").FullName;
    private readonly string _serverProperties;

    public CrashServer(string serverProperties = "")
    {
        _serverProperties = serverProperties;
    }

    public int Port { get; } = ServerProcess.FreePort();

    public string DataDir => Path.Combine(_dir, "data");

    public string Bootstrap => $"127.0.0.1:{Port}";

    public ServerProcess? Process { get; private set; }

    public ServerProcess Start()
    {
        string config = Path.Combine(_dir, "server.properties");
        File.WriteAllText(config, _serverProperties);
        Process?.Dispose();
        Process = ServerProcess.Start("--bind", "127.0.0.1", $"--kafka-port={Port}", "--metrics-port", $"{ServerProcess.FreePort()}",
            "--data-dir", DataDir, "--config", config);
        return Process;
    }

    /// <summary>SIGTERM and a bounded wait: the end of a test's second life.</summary>
    public async Task<(int ExitCode, string Stdout, string Stderr)> StopAsync()
    {
        var p = Process ?? throw new InvalidOperationException("not started");
        p.Terminate();
        return await p.WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    public async Task<RawClient> ConnectAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                return new RawClient(Port);
            }
            catch (System.Net.Sockets.SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    public static T Call<T>(RawClient c, IKafkaMessage request, short version) where T : IKafkaMessage, new()
    {
        int corr = c.Send(request, version);
        return c.Receive<T>(corr, version, ApiKeys.ResponseHeaderVersion(request.ApiKey, version));
    }

    /// <summary>
    /// Runs changes 0..<paramref name="count"/>-1 on <paramref name="connections"/> connections (each takes the next
    /// number when its last change was answered); <paramref name="change"/> sends change i and returns once it is
    /// acknowledged (it asserts the answer). After <paramref name="killAfter"/> acknowledgements the server gets a
    /// SIGKILL; the changes sent and not answered by then are in flight. Bounded: every call has a socket timeout.
    /// </summary>
    public async Task<Outcome[]> BurstThenKillAsync(int count, int connections, int killAfter, Action<RawClient, int> change)
    {
        var server = Process ?? throw new InvalidOperationException("not started");
        var outcomes = new Outcome[count];
        int next = -1, acked = 0, killed = 0;
        var clients = new List<RawClient>();
        for (int c = 0; c < connections; c++) clients.Add(await ConnectAsync());
        try
        {
            await Task.WhenAll(clients.Select(client => Task.Run(() =>
            {
                while (Volatile.Read(ref killed) == 0)
                {
                    int i = Interlocked.Increment(ref next);
                    if (i >= count) return;
                    outcomes[i] = Outcome.InFlight;
                    try
                    {
                        change(client, i);
                    }
                    catch (Exception e) when ((e is IOException or System.Net.Sockets.SocketException) && Volatile.Read(ref killed) == 1)
                    {
                        return;
                    }
                    outcomes[i] = Outcome.Acknowledged;
                    if (Interlocked.Increment(ref acked) == killAfter && Interlocked.Exchange(ref killed, 1) == 0) server.KillHard();
                }
            })));
        }
        finally
        {
            foreach (var client in clients) client.Dispose();
        }
        if (Volatile.Read(ref killed) == 0) server.KillHard();
        return outcomes;
    }

    /// <summary>Every topic Metadata lists, by name.</summary>
    public static Dictionary<string, MetadataResponse.MetadataResponseTopic> Topics(RawClient c)
    {
        var metadata = Call<MetadataResponse>(c, new MetadataRequest { Topics = null }, 12);
        return metadata.Topics.Where(t => t.ErrorCode == 0).ToDictionary(t => t.Name!, StringComparer.Ordinal);
    }

    /// <summary>The configs of one resource set on it explicitly (topic: DYNAMIC_TOPIC_CONFIG; broker: DYNAMIC_BROKER_CONFIG).</summary>
    public static Dictionary<string, string?> ExplicitConfigs(RawClient c, sbyte type, string name)
    {
        var r = Call<DescribeConfigsResponse>(c, new DescribeConfigsRequest
        {
            Resources = [new DescribeConfigsRequest.DescribeConfigsResource { ResourceType = type, ResourceName = name, ConfigurationKeys = null }],
        }, 2);
        var result = Assert.Single(r.Results);
        Assert.Equal(0, result.ErrorCode);
        sbyte own = type == 2 ? (sbyte)1 : (sbyte)2;
        return result.Configs.Where(x => x.ConfigSource == own).ToDictionary(x => x.Name, x => x.Value, StringComparer.Ordinal);
    }

    public void Dispose()
    {
        Process?.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
