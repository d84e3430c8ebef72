using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Coordinator.Group;

public sealed partial class GroupCoordinator
{
    /// <summary>SyncGroup v0-5. A follower's task completes when the leader's assignment is stored.</summary>
    public async ValueTask<SyncGroupResponse> SyncGroupAsync(
        SyncGroupRequest request,
        short version,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.GroupId))
        {
            return SyncError(ErrorCode.InvalidGroupId);
        }
        var future = NewFuture<SyncGroupResponse>();
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!Owns(request.GroupId))
            {
                future.TrySetResult(SyncError(ErrorCode.NotCoordinator));
            }
            else
            {
                await SyncLockedAsync(request, future).ConfigureAwait(false);
            }
        }
        finally
        {
            _lock.Release();
        }
        return await future.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static SyncGroupResponse SyncError(ErrorCode error) => new() { ErrorCode = (short)error };

    private async ValueTask SyncLockedAsync(SyncGroupRequest request, TaskCompletionSource<SyncGroupResponse> future)
    {
        if (!_groups.TryGetValue(request.GroupId, out var group) || group.IsInState(ClassicGroupState.Empty))
        {
            future.TrySetResult(SyncError(ErrorCode.UnknownMemberId));
            return;
        }
        var error = ValidateSync(group, request);
        if (error != ErrorCode.None)
        {
            future.TrySetResult(SyncError(error));
            return;
        }
        var memberId = request.MemberId;
        switch (group.State)
        {
            case ClassicGroupState.PreparingRebalance:
                future.TrySetResult(SyncError(ErrorCode.RebalanceInProgress));
                break;
            case ClassicGroupState.CompletingRebalance:
                {
                    var member = group.Member(memberId);
                    member.AwaitingSync?.TrySetResult(SyncError(ErrorCode.RebalanceInProgress));
                    member.AwaitingSync = future;
                    RemovePendingSyncMember(group, memberId);
                    if (!group.IsLeader(memberId))
                    {
                        break;
                    }
                    var assignment = new Dictionary<string, byte[]>(StringComparer.Ordinal);
                    foreach (var a in request.Assignments)
                    {
                        assignment[a.MemberId] = a.Assignment;
                    }
                    byte[] AssignmentOf(ClassicGroupMember m) => assignment.TryGetValue(m.MemberId, out var bytes) ? bytes : [];
                    var appendError = await AppendAsync(group.Partition, [GroupMetadataRecord(group, AssignmentOf)])
                        .ConfigureAwait(false);
                    if (appendError != ErrorCode.None)
                    {
                        ResetAndPropagateAssignmentWithError(group, appendError);
                        await MaybePrepareRebalanceOrCompleteJoinAsync(group).ConfigureAwait(false);
                    }
                    else
                    {
                        foreach (var m in group.Members)
                        {
                            m.Assignment = AssignmentOf(m);
                        }
                        PropagateAssignment(group, ErrorCode.None);
                        group.TransitionTo(ClassicGroupState.Stable, NowMs);
                    }
                    break;
                }
            case ClassicGroupState.Stable:
                {
                    RemovePendingSyncMember(group, memberId);
                    future.TrySetResult(new SyncGroupResponse
                    {
                        ProtocolType = group.ProtocolType,
                        ProtocolName = group.ProtocolName,
                        Assignment = group.Member(memberId).Assignment,
                    });
                    break;
                }
            default:
                future.TrySetResult(SyncError(ErrorCode.CoordinatorNotAvailable));
                break;
        }
    }

    private static ErrorCode ValidateSync(ClassicGroup group, SyncGroupRequest request)
    {
        if (group.IsInState(ClassicGroupState.Dead))
        {
            return ErrorCode.CoordinatorNotAvailable;
        }
        var error = group.ValidateMember(request.MemberId, request.GroupInstanceId);
        if (error != ErrorCode.None)
        {
            return error;
        }
        if (request.GenerationId != group.GenerationId)
        {
            return ErrorCode.IllegalGeneration;
        }
        // v5 carries protocol type and name; either, when given, must match the group's.
        if (IsInconsistent(request.ProtocolType, group.ProtocolType) || IsInconsistent(request.ProtocolName, group.ProtocolName))
        {
            return ErrorCode.InconsistentGroupProtocol;
        }
        return ErrorCode.None;
    }

    private static bool IsInconsistent(string? requested, string? actual) =>
        requested is not null && actual is not null && requested != actual;

    private void RemovePendingSyncMember(ClassicGroup group, string memberId)
    {
        group.RemovePendingSyncMember(memberId);
        if (group.State is not (ClassicGroupState.CompletingRebalance or ClassicGroupState.Stable) ||
            group.HasReceivedSyncFromAllMembers)
        {
            _timer.Cancel(SyncKey(group.GroupId));
        }
    }

    /// <summary>Heartbeat v0-4: keeps the session alive; REBALANCE_IN_PROGRESS tells the member to rejoin.</summary>
    public async ValueTask<HeartbeatResponse> HeartbeatAsync(
        HeartbeatRequest request,
        short version,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.GroupId))
        {
            return new HeartbeatResponse { ErrorCode = (short)ErrorCode.InvalidGroupId };
        }
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return new HeartbeatResponse { ErrorCode = (short)HeartbeatLocked(request) };
        }
        finally
        {
            _lock.Release();
        }
    }

    private ErrorCode HeartbeatLocked(HeartbeatRequest request)
    {
        if (!Owns(request.GroupId))
        {
            return ErrorCode.NotCoordinator;
        }
        if (!_groups.TryGetValue(request.GroupId, out var group))
        {
            return ErrorCode.UnknownMemberId;
        }
        if (group.IsInState(ClassicGroupState.Dead))
        {
            return ErrorCode.CoordinatorNotAvailable;
        }
        var error = group.ValidateMember(request.MemberId, request.GroupInstanceId);
        if (error != ErrorCode.None)
        {
            return error;
        }
        if (request.GenerationId != group.GenerationId)
        {
            return ErrorCode.IllegalGeneration;
        }
        var member = group.Member(request.MemberId);
        switch (group.State)
        {
            case ClassicGroupState.Empty:
                return ErrorCode.UnknownMemberId;
            case ClassicGroupState.PreparingRebalance:
                ScheduleHeartbeat(group, member, member.SessionTimeoutMs);
                return ErrorCode.RebalanceInProgress;
            default:
                // Heartbeats may start right after the JoinGroup response, in CompletingRebalance.
                ScheduleHeartbeat(group, member, member.SessionTimeoutMs);
                return ErrorCode.None;
        }
    }

    /// <summary>
    /// LeaveGroup: v0-2 name one member in <c>MemberId</c> and report its error at the top level;
    /// v3+ batch members, by member id or (admin removal) by group.instance.id alone.
    /// </summary>
    public async ValueTask<LeaveGroupResponse> LeaveGroupAsync(
        LeaveGroupRequest request,
        short version,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.GroupId))
        {
            return new LeaveGroupResponse { ErrorCode = (short)ErrorCode.InvalidGroupId };
        }
        var identities = version <= 2
            ? [new LeaveGroupRequest.MemberIdentity { MemberId = request.MemberId, GroupInstanceId = null }]
            : request.Members;

        ErrorCode topLevel;
        var results = new List<LeaveGroupResponse.MemberResponse>(identities.Count);
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            topLevel = await LeaveLockedAsync(request.GroupId, identities, results).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }

        if (version <= 2)
        {
            if (topLevel == ErrorCode.None)
            {
                foreach (var r in results)
                {
                    if (r.ErrorCode != 0)
                    {
                        topLevel = (ErrorCode)r.ErrorCode;
                        break;
                    }
                }
            }
            return new LeaveGroupResponse { ErrorCode = (short)topLevel };
        }
        return new LeaveGroupResponse { ErrorCode = (short)topLevel, Members = topLevel == ErrorCode.None ? results : [] };
    }

    private async ValueTask<ErrorCode> LeaveLockedAsync(
        string groupId,
        List<LeaveGroupRequest.MemberIdentity> identities,
        List<LeaveGroupResponse.MemberResponse> results)
    {
        if (!Owns(groupId))
        {
            return ErrorCode.NotCoordinator;
        }
        if (!_groups.TryGetValue(groupId, out var group))
        {
            return ErrorCode.UnknownMemberId;
        }
        if (group.IsInState(ClassicGroupState.Dead))
        {
            return ErrorCode.CoordinatorNotAvailable;
        }
        var anyLeft = false;
        foreach (var identity in identities)
        {
            var error = ErrorCode.None;
            if (identity.MemberId.Length == 0)
            {
                if (identity.GroupInstanceId is { } instanceId && group.StaticMemberId(instanceId) is { } staticId)
                {
                    RemoveCurrentMember(group, staticId);
                }
                else
                {
                    error = ErrorCode.UnknownMemberId;
                }
            }
            else if (group.IsPendingMember(identity.MemberId))
            {
                group.Remove(identity.MemberId);
                _timer.Cancel(HeartbeatKey(groupId, identity.MemberId));
            }
            else
            {
                error = group.ValidateMember(identity.MemberId, identity.GroupInstanceId);
                if (error == ErrorCode.None)
                {
                    RemoveCurrentMember(group, identity.MemberId);
                }
            }
            anyLeft |= error == ErrorCode.None;
            results.Add(new LeaveGroupResponse.MemberResponse
            {
                MemberId = identity.MemberId,
                GroupInstanceId = identity.GroupInstanceId,
                ErrorCode = (short)error,
            });
        }
        if (anyLeft)
        {
            switch (group.State)
            {
                case ClassicGroupState.Stable:
                case ClassicGroupState.CompletingRebalance:
                    await MaybePrepareRebalanceOrCompleteJoinAsync(group).ConfigureAwait(false);
                    break;
                case ClassicGroupState.PreparingRebalance:
                    await MaybeCompleteJoinPhaseAsync(group).ConfigureAwait(false);
                    break;
                default:
                    break;
            }
        }
        return ErrorCode.None;
    }

    private void RemoveCurrentMember(ClassicGroup group, string memberId)
    {
        var member = group.Member(memberId);
        _timer.Cancel(HeartbeatKey(group.GroupId, memberId));
        group.CompleteJoinFuture(member, JoinError("", ErrorCode.UnknownMemberId));
        ClassicGroup.CompleteSyncFuture(member, SyncError(ErrorCode.UnknownMemberId));
        group.Remove(memberId);
    }
}
