using System.Globalization;
using System.Text;

namespace Chronik.Server.Metrics;

/// <summary>Writes the Prometheus text exposition format (version 0.0.4): names, escaping and number syntax.</summary>
internal sealed class PrometheusText(StringBuilder output)
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public void WriteHeader(string name, string type, string help)
    {
        output.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n');
        output.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    /// <summary>Writes one sample; <paramref name="labels"/> is pre-rendered <c>a="x",b="y"</c> text, possibly empty.</summary>
    public void WriteSample(string name, string labels, double value, string? extraLabel = null)
    {
        output.Append(name);
        if (labels.Length > 0 || extraLabel is not null)
        {
            output.Append('{').Append(labels);
            if (extraLabel is not null)
            {
                output.Append(labels.Length > 0 ? "," : "").Append(extraLabel);
            }
            output.Append('}');
        }
        output.Append(' ').Append(FormatNumber(value)).Append('\n');
    }

    public static string FormatNumber(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>Maps an instrument name such as <c>chronik.bytes.in</c> to a legal metric name (<c>chronik_bytes_in</c>).</summary>
    public static string MetricName(string name) => Sanitize(name, allowColon: true);

    public static string LabelName(string name) => Sanitize(name, allowColon: false);

    public static string EscapeLabelValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal);

    private static string EscapeHelp(string help) =>
        help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Sanitize(string name, bool allowColon)
    {
        var result = new StringBuilder(name.Length + 1);
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            result.Append('_');
        }
        foreach (char c in name)
        {
            result.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':') ? c : '_');
        }
        return result.ToString();
    }
}
