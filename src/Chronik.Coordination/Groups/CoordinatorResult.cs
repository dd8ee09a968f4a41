namespace Chronik.Coordination.Groups;

/// <summary>One record for the offsets log: a key and a value, null for a tombstone.</summary>
public sealed record CoordinatorRecord(byte[] Key, byte[]? Value);

/// <summary>
/// What a coordinator operation produced: its answer, the records to persist, and the completions of
/// other members' pending requests (joins, syncs) that the operation unblocked. The caller persists the
/// records first, then runs the completions, so nobody hears of a state the log does not hold yet.
/// </summary>
public readonly record struct CoordinatorResult<T>(T Response, IReadOnlyList<CoordinatorRecord> Records, IReadOnlyList<Action> Completions)
{
    public void RunCompletions()
    {
        foreach (var c in Completions) c();
    }
}

/// <summary>Collects the side effects of one coordinator operation.</summary>
internal sealed class CoordinatorEffects
{
    public List<CoordinatorRecord> Records { get; } = [];
    public List<Action> Completions { get; } = [];

    public void Complete<T>(TaskCompletionSource<T> pending, T value) => Completions.Add(() => pending.TrySetResult(value));
}
