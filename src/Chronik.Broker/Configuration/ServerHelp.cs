using System.Text;
using Chronik.Broker;

namespace Chronik.Broker.Configuration;

/// <summary>Renders <c>--help</c> from the flags and the catalog's broker keys, so every option is listed with its real default.</summary>
public static class ServerHelp
{
    public static string Render()
    {
        var defaults = new ServerSettings();
        var text = new StringBuilder();
        text.AppendLine("chronik-server: a Kafka-compatible broker.")
            .AppendLine()
            .AppendLine("Usage: chronik-server [options]    (--flag value or --flag=value; flags win over --config)")
            .AppendLine()
            .AppendLine("Options:");
        foreach (ServerFlag flag in ServerFlags.All)
        {
            Row(text, $"{flag.Name} {flag.ValueName}", $"{flag.Description} Default: {flag.Default(defaults)}.");
        }
        Row(text, $"{ServerFlags.Help}, {ServerFlags.ShortHelp}", "Show this help and exit.");
        text.AppendLine()
            .AppendLine("server.properties keys (key=value; # and ! start comments; unknown keys are logged and ignored):");
        BrokerOptions options = defaults.Options;
        foreach (ServerProperty property in ServerProperties.All)
        {
            string? value = property.Current(options) ?? property.Def.Default;
            Row(text, property.Key, $"{property.Def.Documentation} Default: {(string.IsNullOrEmpty(value) ? "(unset)" : value)}.");
        }
        text.AppendLine()
            .AppendLine("Exit codes: 0 normal shutdown, 1 start-up failure, 2 invalid configuration.");
        return text.ToString();
    }

    private static void Row(StringBuilder text, string name, string description) =>
        text.Append("  ").Append(name.PadRight(34)).Append(' ').AppendLine(description);
}
