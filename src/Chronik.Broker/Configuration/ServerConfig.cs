using Chronik.Broker;
using Microsoft.Extensions.Logging;

namespace Chronik.Broker.Configuration;

/// <summary>The outcome of loading flags and server.properties: broker options, log level, and what went wrong.</summary>
public sealed class ServerConfig
{
    public required BrokerOptions Options { get; init; }
    public LogLevel LogLevel { get; init; } = LogLevel.Information;
    public bool HelpRequested { get; init; }
    public string? ConfigFile { get; init; }
    /// <summary>Problems that stop start-up (exit code 2); each names the flag or key and the value.</summary>
    public IReadOnlyList<string> Errors { get; init; } = [];
    /// <summary>Problems to log while starting anyway, such as an unknown server.properties key.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
    public bool IsValid => Errors.Count == 0;
}
