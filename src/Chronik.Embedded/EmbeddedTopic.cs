namespace Chronik.Embedded;

/// <summary>A topic for <see cref="EmbeddedBroker.CreateTopicsAsync(EmbeddedTopic[])"/>: a name, a partition count (-1: the broker default) and topic configs.</summary>
public sealed record EmbeddedTopic(string Name, int Partitions = -1)
{
    /// <summary>Topic configs such as <c>cleanup.policy=compact</c>.</summary>
    public IReadOnlyDictionary<string, string> Configs { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
