using Chronik.Coordination.Configs.Catalog;

namespace Chronik.Broker.Configuration;

/// <summary>Turns command-line arguments, and the server.properties file they may name, into a <see cref="ServerConfig"/>.</summary>
public static class ServerConfigLoader
{
    public static ServerConfig Load(IReadOnlyList<string> args)
    {
        var settings = new ServerSettings();
        var errors = new List<string>();
        List<(ServerFlag Flag, string Value)> flags = ParseArguments(args, errors, out bool help);
        if (help)
        {
            return new ServerConfig { Options = settings.Options, HelpRequested = true };
        }

        string? configFile = flags.LastOrDefault(f => f.Flag.Name == ServerFlags.Config).Value;
        if (configFile is not null)
        {
            ApplyFile(settings, configFile, errors);
        }
        foreach ((ServerFlag flag, string value) in flags)
        {
            try
            {
                flag.Apply(settings, value);
            }
            catch (Exception e) when (e is ConfigValueException or OverflowException)
            {
                errors.Add($"invalid value '{value}' for {flag.Name}: expected {Expected(e)}");
            }
        }
        MirrorFlagsIntoRawConfig(settings, flags);
        ResolveAdvertisedHost(settings, errors);
        ListenerProperties.Check(settings, errors);

        return new ServerConfig
        {
            Options = settings.Options,
            LogLevel = settings.LogLevel,
            ConfigFile = configFile,
            Errors = errors,
            Warnings = settings.Warnings,
        };
    }

    private static List<(ServerFlag, string)> ParseArguments(IReadOnlyList<string> args, List<string> errors, out bool help)
    {
        var flags = new List<(ServerFlag, string)>();
        help = false;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg is ServerFlags.Help or ServerFlags.ShortHelp)
            {
                help = true;
                continue;
            }
            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            string name = equals > 0 && arg.StartsWith("--", StringComparison.Ordinal) ? arg[..equals] : arg;
            if (ServerFlags.Find(name) is not { } flag)
            {
                errors.Add(arg.StartsWith('-') ? $"unknown option '{name}' (see --help)" : $"unexpected argument '{arg}' (see --help)");
                continue;
            }
            if (equals > 0 && name.Length == equals)
            {
                flags.Add((flag, arg[(equals + 1)..].Trim()));
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                flags.Add((flag, args[++i].Trim()));
            }
            else
            {
                errors.Add($"option {name} needs a value: {name} {flag.ValueName}");
            }
        }
        return flags;
    }

    /// <summary>
    /// Applies server.properties keys given as pairs (the embedded broker's options) to <paramref name="options"/>,
    /// with the same table, precedence, validation and errors as a file; <paramref name="source"/> names them in messages.
    /// </summary>
    public static ServerConfig LoadProperties(BrokerOptions options, IEnumerable<KeyValuePair<string, string>> properties, string source)
    {
        var settings = new ServerSettings(options);
        var errors = new List<string>();
        int line = 0;
        ApplyEntries(settings, properties.Select(p => new PropertiesFile.Entry(p.Key, p.Value, ++line)).ToList(), source, errors);
        ListenerProperties.Check(settings, errors);
        return new ServerConfig { Options = options, LogLevel = settings.LogLevel, Errors = errors, Warnings = settings.Warnings };
    }

    private static void ApplyFile(ServerSettings settings, string path, List<string> errors)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add($"cannot read config file '{path}': {e.Message}");
            return;
        }
        ApplyEntries(settings, PropertiesFile.Parse(text, path, errors), path, errors);
    }

    private static void ApplyEntries(ServerSettings settings, IReadOnlyList<PropertiesFile.Entry> entries, string path, List<string> errors)
    {
        // Last occurrence of a key wins, as in java.util.Properties; keys are then applied in the
        // table's precedence order so that e.g. log.retention.ms beats log.retention.hours.
        var values = new Dictionary<string, PropertiesFile.Entry>(StringComparer.Ordinal);
        foreach (PropertiesFile.Entry entry in entries)
        {
            if (values.ContainsKey(entry.Key))
            {
                settings.Warnings.Add($"{path} line {entry.Line}: '{entry.Key}' is set more than once; the last value wins");
            }
            values[entry.Key] = entry;
            settings.Options.RawConfig[entry.Key] = entry.Value;
            if (ServerProperties.Find(entry.Key) is null)
            {
                settings.Warnings.Add($"{path} line {entry.Line}: unknown or unsupported key '{entry.Key}' ignored");
            }
        }
        foreach (ServerProperty property in ServerProperties.All)
        {
            if (values.TryGetValue(property.Key, out PropertiesFile.Entry entry))
            {
                Apply(settings, property, entry, path, errors);
            }
        }
        // Keys with a listener-name prefix (listener.name.NAME.ssl.keystore.location, …) are not in the table: each
        // applies to its listener after the broker-wide keys, which the listeners after the first copy first.
        ListenerProperties.AddPendingListeners(settings);
        foreach (PropertiesFile.Entry entry in values.Values)
        {
            if (SecurityProperties.FindPrefixed(entry.Key) is { } prefixed)
            {
                Apply(settings, prefixed, entry, path, errors);
            }
        }
        if (values.TryGetValue(BrokerConfigKeys.BrokerId.Name, out var brokerId) && values.TryGetValue(BrokerConfigKeys.NodeId.Name, out var nodeId)
            && brokerId.Value != nodeId.Value)
        {
            errors.Add($"{path}: 'broker.id' ({brokerId.Value}) and 'node.id' ({nodeId.Value}) must match");
        }
    }

    private static void Apply(ServerSettings settings, ServerProperty property, PropertiesFile.Entry entry, string path, List<string> errors)
    {
        try
        {
            property.Apply(settings, entry.Value);
        }
        catch (Exception e) when (e is ConfigValueException or OverflowException)
        {
            errors.Add($"{path} line {entry.Line}: invalid value '{entry.Value}' for '{entry.Key}': expected {Expected(e)}");
        }
    }

    /// <summary>Keeps RawConfig (what DescribeConfigs reports) in step with flags that override a Kafka key.</summary>
    private static void MirrorFlagsIntoRawConfig(ServerSettings settings, List<(ServerFlag Flag, string Value)> flags)
    {
        foreach (var key in flags.Select(f => f.Flag.KafkaKey).OfType<ConfigKey>().Distinct())
        {
            if (ServerProperties.Find(key.Name)?.Current(settings.Options) is { } value) settings.Options.RawConfig[key.Name] = value;
        }
    }

    private static void ResolveAdvertisedHost(ServerSettings settings, List<string> errors)
    {
        var options = settings.Options;
        if (!settings.AdvertisedHostSet && !ListenerProperties.IsWildcard(options.BindAddress))
        {
            options.AdvertisedHost = options.BindAddress;
        }
        if (ListenerProperties.IsWildcard(options.AdvertisedHost))
        {
            errors.Add($"invalid advertised host '{options.AdvertisedHost}': clients cannot connect to a wildcard address; set --advertised-host");
        }
    }

    private static string Expected(Exception e) => e is ConfigValueException c ? c.Expected : "a smaller number";
}
