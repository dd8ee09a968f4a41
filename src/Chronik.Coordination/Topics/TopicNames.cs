namespace Chronik.Coordination.Topics;

/// <summary>Kafka's topic name rules: [a-zA-Z0-9._-], at most 249 characters, not "." or "..".</summary>
public static class TopicNames
{
    public const int MaxLength = 249;
    /// <summary>The group coordinator's internal topic.</summary>
    public const string ConsumerOffsets = "__consumer_offsets";

    /// <summary>Null when the name is legal, else the reason.</summary>
    public static string? Validate(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "Topic name is illegal, it can't be empty";
        if (name is "." or "..") return "Topic name cannot be \".\" or \"..\"";
        if (name.Length > MaxLength) return $"Topic name is illegal, it can't be longer than {MaxLength} characters";
        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')) return $"Topic name \"{name}\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'";
        }
        return null;
    }

    /// <summary>Names that differ only by '.' versus '_' collide in metrics; Kafka refuses the second.</summary>
    public static string CollisionKey(string name) => name.Replace('.', '_');

    public static bool IsInternal(string name) => name.StartsWith("__", StringComparison.Ordinal);
}
