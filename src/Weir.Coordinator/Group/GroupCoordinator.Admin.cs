using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Coordinator.Group;

public sealed partial class GroupCoordinator
{
    private const string ClassicGroupType = "classic";

    /// <summary>DescribeGroups v0-5. An unknown group is reported as "Dead" without error, as Kafka does.</summary>
    public async ValueTask<DescribeGroupsResponse> DescribeGroupsAsync(
        DescribeGroupsRequest request,
        short version,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = new DescribeGroupsResponse();
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var groupId in request.Groups)
            {
                response.Groups.Add(Describe(groupId));
            }
        }
        finally
        {
            _lock.Release();
        }
        return response;
    }

    private DescribeGroupsResponse.DescribedGroup Describe(string groupId)
    {
        if (!Owns(groupId))
        {
            return new DescribeGroupsResponse.DescribedGroup { GroupId = groupId, ErrorCode = (short)ErrorCode.NotCoordinator };
        }
        if (!_groups.TryGetValue(groupId, out var group))
        {
            return new DescribeGroupsResponse.DescribedGroup { GroupId = groupId, GroupState = "Dead" };
        }
        var stable = group.IsInState(ClassicGroupState.Stable);
        var described = new DescribeGroupsResponse.DescribedGroup
        {
            GroupId = groupId,
            GroupState = ClassicGroupStates.Name(group.State),
            ProtocolType = group.ProtocolType ?? "",
            ProtocolData = stable ? group.ProtocolName ?? "" : "",
        };
        foreach (var m in group.Members)
        {
            described.Members.Add(new DescribeGroupsResponse.DescribedGroupMember
            {
                MemberId = m.MemberId,
                GroupInstanceId = m.GroupInstanceId,
                ClientId = m.ClientId,
                ClientHost = m.ClientHost,
                // Metadata and assignment only mean something once the group is stable.
                MemberMetadata = stable ? m.Metadata(group.ProtocolName) : [],
                MemberAssignment = stable ? m.Assignment : [],
            });
        }
        return described;
    }

    /// <summary>ListGroups v0-5: states filter (v4+) and types filter (v5+), both case-insensitive.</summary>
    public async ValueTask<ListGroupsResponse> ListGroupsAsync(
        ListGroupsRequest request,
        short version,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = new ListGroupsResponse();
        var states = version >= 4 ? request.StatesFilter : [];
        var types = version >= 5 ? request.TypesFilter : [];
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var group in _groups.Values)
            {
                var state = ClassicGroupStates.Name(group.State);
                if ((states.Count > 0 && !ContainsIgnoreCase(states, state)) ||
                    (types.Count > 0 && !ContainsIgnoreCase(types, ClassicGroupType)))
                {
                    continue;
                }
                response.Groups.Add(new ListGroupsResponse.ListedGroup
                {
                    GroupId = group.GroupId,
                    ProtocolType = group.ProtocolType ?? "",
                    GroupState = state,
                    GroupType = ClassicGroupType,
                });
            }
        }
        finally
        {
            _lock.Release();
        }
        return response;
    }

    private static bool ContainsIgnoreCase(List<string> values, string value)
    {
        foreach (var v in values)
        {
            if (string.Equals(v, value, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>DeleteGroups v0-2: only empty groups; their offsets and metadata are tombstoned.</summary>
    public async ValueTask<DeleteGroupsResponse> DeleteGroupsAsync(
        DeleteGroupsRequest request,
        short version,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = new DeleteGroupsResponse();
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var groupId in request.GroupsNames)
            {
                var error = await DeleteGroupLockedAsync(groupId).ConfigureAwait(false);
                response.Results.Add(new DeleteGroupsResponse.DeletableGroupResult { GroupId = groupId, ErrorCode = (short)error });
            }
        }
        finally
        {
            _lock.Release();
        }
        return response;
    }

    private async ValueTask<ErrorCode> DeleteGroupLockedAsync(string groupId)
    {
        if (string.IsNullOrEmpty(groupId))
        {
            return ErrorCode.InvalidGroupId;
        }
        if (!Owns(groupId))
        {
            return ErrorCode.NotCoordinator;
        }
        if (!_groups.TryGetValue(groupId, out var group) || group.IsInState(ClassicGroupState.Dead))
        {
            return ErrorCode.GroupIdNotFound;
        }
        if (!group.IsInState(ClassicGroupState.Empty))
        {
            return ErrorCode.NonEmptyGroup;
        }
        var records = new List<GroupRecord>();
        if (_offsets.TryGetValue(groupId, out var topics))
        {
            foreach (var (topic, partitions) in topics)
            {
                foreach (var partition in partitions.Keys)
                {
                    records.Add(GroupRecordSerde.OffsetCommitTombstone(groupId, topic, partition));
                }
            }
        }
        records.Add(GroupRecordSerde.GroupMetadataTombstone(groupId));
        var error = await AppendAsync(group.Partition, records).ConfigureAwait(false);
        if (error != ErrorCode.None)
        {
            return error;
        }
        _offsets.Remove(groupId);
        MarkDead(group, ErrorCode.CoordinatorNotAvailable);
        return ErrorCode.None;
    }
}
