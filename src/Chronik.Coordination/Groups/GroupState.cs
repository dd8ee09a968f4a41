namespace Chronik.Coordination.Groups;

/// <summary>The classic group states, in Kafka's order of a rebalance.</summary>
public enum GroupState
{
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
    Dead,
}

/// <summary>Kafka's names for group states (DescribeGroups, ListGroups).</summary>
public static class GroupStateNames
{
    public static string Name(GroupState state) => state switch
    {
        GroupState.Empty => "Empty",
        GroupState.PreparingRebalance => "PreparingRebalance",
        GroupState.CompletingRebalance => "CompletingRebalance",
        GroupState.Stable => "Stable",
        _ => "Dead",
    };
}
