namespace Chronik.SchemaRegistry.State;

/// <summary>Confluent's compatibility levels: which earlier versions a new schema is checked against, and in which direction.</summary>
public enum CompatibilityLevel
{
    None,
    Backward,
    BackwardTransitive,
    Forward,
    ForwardTransitive,
    Full,
    FullTransitive,
}

/// <summary>The wire names of <see cref="CompatibilityLevel"/> and what each level checks.</summary>
public static class CompatibilityLevels
{
    private static readonly string[] s_names = ["NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE"];

    public static string Name(CompatibilityLevel level) => s_names[(int)level];

    public static bool TryParse(string? text, out CompatibilityLevel level)
    {
        int i = text is null ? -1 : Array.IndexOf(s_names, text.ToUpperInvariant());
        level = i < 0 ? CompatibilityLevel.None : (CompatibilityLevel)i;
        return i >= 0;
    }

    /// <summary>The new schema must read data written with the old ones.</summary>
    public static bool ChecksBackward(CompatibilityLevel l) =>
        l is CompatibilityLevel.Backward or CompatibilityLevel.BackwardTransitive or CompatibilityLevel.Full or CompatibilityLevel.FullTransitive;

    /// <summary>The old schemas must read data written with the new one.</summary>
    public static bool ChecksForward(CompatibilityLevel l) =>
        l is CompatibilityLevel.Forward or CompatibilityLevel.ForwardTransitive or CompatibilityLevel.Full or CompatibilityLevel.FullTransitive;

    /// <summary>Every earlier version is checked, not just the latest.</summary>
    public static bool IsTransitive(CompatibilityLevel l) =>
        l is CompatibilityLevel.BackwardTransitive or CompatibilityLevel.ForwardTransitive or CompatibilityLevel.FullTransitive;
}
