using Chronik.Broker.Configuration;
using Chronik.Server.Hosting;

namespace Chronik.Server;

/// <summary>Entry point: load the configuration, then run the host (exit 0), or explain the problem (exit 1 or 2).</summary>
internal static class Program
{
    public const int InvalidConfigurationExitCode = 2;

    private static async Task<int> Main(string[] args)
    {
        ServerConfig config = ServerConfigLoader.Load(args);
        if (config.HelpRequested)
        {
            await Console.Out.WriteAsync(ServerHelp.Render()).ConfigureAwait(false);
            return 0;
        }
        // Cluster mode's URLs and timings are checked here: the broker layer does not know its engines.
        var errors = config.IsValid ? ClusterNode.Validate(config.Options) : [.. config.Errors];
        if (errors.Count > 0)
        {
            foreach (string error in errors)
            {
                await Console.Error.WriteLineAsync($"chronik-server: {error}").ConfigureAwait(false);
            }
            await Console.Error.WriteLineAsync("Run 'chronik-server --help' to see every option.").ConfigureAwait(false);
            return InvalidConfigurationExitCode;
        }
        return await ServerHost.RunAsync(config).ConfigureAwait(false);
    }
}
