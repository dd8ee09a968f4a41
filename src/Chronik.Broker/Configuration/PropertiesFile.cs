namespace Chronik.Broker.Configuration;

/// <summary>Reads a Kafka-style server.properties file: <c>key=value</c> lines, <c>#</c>/<c>!</c> comments, trailing-backslash continuations.</summary>
public static class PropertiesFile
{
    /// <summary>One <c>key=value</c> entry and the line it started on.</summary>
    public readonly record struct Entry(string Key, string Value, int Line);

    public static IReadOnlyList<Entry> Parse(string text, string source, List<string> errors)
    {
        var entries = new List<Entry>();
        string[] lines = text.ReplaceLineEndings("\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int startLine = i + 1;
            string line = lines[i].Trim();
            if (line.Length == 0 || line[0] is '#' or '!')
            {
                continue;
            }
            while (line.EndsWith('\\') && i + 1 < lines.Length)
            {
                line = line[..^1] + lines[++i].Trim();
            }
            int separator = line.IndexOfAny(['=', ':']);
            if (separator <= 0)
            {
                errors.Add($"{source} line {startLine}: expected key=value but found '{line}'");
                continue;
            }
            entries.Add(new Entry(line[..separator].Trim(), line[(separator + 1)..].Trim(), startLine));
        }
        return entries;
    }
}
