namespace Chronik.Cluster.Produce;

/// <summary>
/// How a broker gathers produced batches into commit windows: a window is sealed <see cref="CommitInterval"/> after
/// its first batch (<c>produce.commit.interval.ms</c>) or once it holds <see cref="BufferMaxBytes"/> of batches
/// (<c>produce.buffer.max.bytes</c>), whichever comes first.
/// </summary>
public sealed record ProduceWindowOptions
{
    public TimeSpan CommitInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    public long BufferMaxBytes { get; init; } = 8L * 1024 * 1024;

    /// <summary>The object keys' prefix in the object store.</summary>
    public string KeyPrefix { get; init; } = "data";
}
