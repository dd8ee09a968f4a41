using Chronik.Protocol.Messages;

namespace Chronik.Coordination.Groups;

/// <summary>DescribeGroups, ListGroups and DeleteGroups, over classic and KIP-848 groups alike.</summary>
internal sealed class GroupAdmin
{
    private readonly GroupTable _table;
    private readonly Dictionary<string, ClassicGroup> _groups;

    public GroupAdmin(GroupTable table)
    {
        _table = table;
        _groups = table.Groups;
    }

    /// <summary>An unknown group is described as Dead with no error, as Kafka does before DescribeGroups v6.</summary>
    public DescribeGroupsResponse.DescribedGroup DescribeGroup(string groupId, bool includeAuthorizedOperations)
    {
        var d = new DescribeGroupsResponse.DescribedGroup
        {
            GroupId = groupId,
            GroupState = GroupStateNames.Name(GroupState.Dead),
            AuthorizedOperations = includeAuthorizedOperations ? GroupCoordinator.GroupAuthorizedOperations : int.MinValue,
        };
        if (string.IsNullOrEmpty(groupId))
        {
            d.ErrorCode = (short)ErrorCode.InvalidGroupId;
            return d;
        }
        if (!_groups.TryGetValue(groupId, out var g)) return d;
        if (g.Consumer is { } cg)
        {
            // A consumer (KIP-848) group: its state and members, without classic metadata or assignments.
            d.GroupState = cg.StateName;
            d.ProtocolType = "consumer";
            d.ProtocolData = "";
            foreach (var m in cg.Members.Values)
            {
                d.Members.Add(new DescribeGroupsResponse.DescribedGroupMember
                {
                    MemberId = m.MemberId,
                    GroupInstanceId = m.InstanceId,
                    ClientId = m.ClientId,
                    ClientHost = m.ClientHost,
                    MemberMetadata = [],
                    MemberAssignment = [],
                });
            }
            return d;
        }
        d.GroupState = GroupStateNames.Name(g.State);
        d.ProtocolType = g.ProtocolType ?? "";
        bool stable = g.Is(GroupState.Stable);
        // Kafka shows the protocol, the metadata and the assignments only once the group is stable.
        d.ProtocolData = stable ? g.ProtocolName ?? "" : "";
        foreach (var m in g.Members.Values)
        {
            d.Members.Add(new DescribeGroupsResponse.DescribedGroupMember
            {
                MemberId = m.MemberId,
                GroupInstanceId = m.GroupInstanceId,
                ClientId = m.ClientId,
                ClientHost = m.ClientHost,
                MemberMetadata = stable ? m.MetadataFor(g.ProtocolName) : [],
                MemberAssignment = stable ? m.Assignment : [],
            });
        }
        return d;
    }

    /// <summary>Every live group, optionally filtered by state names and by type ("classic" or "consumer"); filters ignore case.</summary>
    public List<ListGroupsResponse.ListedGroup> ListGroups(IReadOnlyCollection<string>? statesFilter, IReadOnlyCollection<string>? typesFilter)
    {
        var list = new List<ListGroupsResponse.ListedGroup>();
        foreach (var g in _groups.Values.OrderBy(g => g.GroupId, StringComparer.Ordinal))
        {
            if (g.Is(GroupState.Dead)) continue;
            string state = g.Consumer?.StateName ?? GroupStateNames.Name(g.State);
            if (statesFilter is { Count: > 0 } && !statesFilter.Contains(state, StringComparer.OrdinalIgnoreCase)) continue;
            if (typesFilter is { Count: > 0 } && !typesFilter.Contains(g.GroupType, StringComparer.OrdinalIgnoreCase)) continue;
            list.Add(new ListGroupsResponse.ListedGroup { GroupId = g.GroupId, ProtocolType = g.ProtocolType ?? "", GroupState = state, GroupType = g.GroupType });
        }
        return list;
    }

    /// <summary>Deletes empty groups with their offsets (tombstones for the group and every offset).</summary>
    public List<DeleteGroupsResponse.DeletableGroupResult> DeleteGroups(IReadOnlyList<string> groupIds)
    {
        var results = new List<DeleteGroupsResponse.DeletableGroupResult>();
        foreach (var id in groupIds)
        {
            ErrorCode error;
            if (string.IsNullOrEmpty(id)) error = ErrorCode.InvalidGroupId;
            else if (!_groups.TryGetValue(id, out var g) || g.Is(GroupState.Dead)) error = ErrorCode.GroupIdNotFound;
            else if (!g.Is(GroupState.Empty)) error = ErrorCode.NonEmptyGroup;
            else
            {
                _table.Remove(g);
                error = ErrorCode.None;
            }
            results.Add(new DeleteGroupsResponse.DeletableGroupResult { GroupId = id, ErrorCode = (short)error });
        }
        return results;
    }
}
