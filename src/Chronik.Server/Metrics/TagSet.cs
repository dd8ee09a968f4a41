using System.Globalization;
using System.Text;

namespace Chronik.Server.Metrics;

/// <summary>An immutable copy of one measurement's tags, with an order-independent hash and its rendered label text.</summary>
internal sealed class TagSet
{
    private readonly KeyValuePair<string, object?>[] _tags;

    public TagSet(ReadOnlySpan<KeyValuePair<string, object?>> tags, int hash)
    {
        _tags = tags.ToArray();
        Hash = hash;
        Labels = RenderLabels(_tags);
    }

    public int Hash { get; }

    /// <summary>Prometheus label text, sorted by name: <c>api="Produce",version="9"</c>.</summary>
    public string Labels { get; }

    /// <summary>Sums per-tag hashes so that the same tags in another order land on the same series.</summary>
    public static int ComputeHash(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        int hash = tags.Length;
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            hash += HashCode.Combine(tag.Key, tag.Value);
        }
        return hash;
    }

    public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length != _tags.Length)
        {
            return false;
        }
        for (int i = 0; i < tags.Length; i++)
        {
            if (!Contains(tags[i], i))
            {
                return false;
            }
        }
        return true;
    }

    private bool Contains(KeyValuePair<string, object?> tag, int likelyIndex)
    {
        // Callers nearly always pass tags in the same order, so try the same position first.
        if (Same(_tags[likelyIndex], tag))
        {
            return true;
        }
        foreach (KeyValuePair<string, object?> own in _tags)
        {
            if (Same(own, tag))
            {
                return true;
            }
        }
        return false;
    }

    private static bool Same(KeyValuePair<string, object?> a, KeyValuePair<string, object?> b) =>
        string.Equals(a.Key, b.Key, StringComparison.Ordinal) && Equals(a.Value, b.Value);

    private static string RenderLabels(KeyValuePair<string, object?>[] tags)
    {
        var text = new StringBuilder();
        foreach (KeyValuePair<string, object?> tag in tags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            text.Append(text.Length > 0 ? "," : "")
                .Append(PrometheusText.LabelName(tag.Key))
                .Append("=\"")
                .Append(PrometheusText.EscapeLabelValue(FormatValue(tag.Value)))
                .Append('"');
        }
        return text.ToString();
    }

    private static string FormatValue(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
