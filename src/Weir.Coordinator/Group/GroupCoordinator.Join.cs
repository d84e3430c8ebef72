using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Coordinator.Group;

public sealed partial class GroupCoordinator
{
    /// <summary>
    /// JoinGroup v0-9. The returned task completes when the join phase does (after the initial
    /// rebalance delay for a new group, or when every member has rejoined / the rebalance timeout passes).
    /// <paramref name="clientHost"/> is stored as given; Kafka reports it as "/" + address.
    /// </summary>
    public async ValueTask<JoinGroupResponse> JoinGroupAsync(
        JoinGroupRequest request,
        short version,
        string clientId,
        string clientHost,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.GroupId))
        {
            return JoinResponseFor(JoinError(request.MemberId, ErrorCode.InvalidGroupId), version);
        }
        if (request.SessionTimeoutMs < _config.GroupMinSessionTimeoutMs ||
            request.SessionTimeoutMs > _config.GroupMaxSessionTimeoutMs)
        {
            return JoinResponseFor(JoinError(request.MemberId, ErrorCode.InvalidSessionTimeout), version);
        }

        var future = NewFuture<JoinGroupResponse>();
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!Owns(request.GroupId))
            {
                future.TrySetResult(JoinError(request.MemberId, ErrorCode.NotCoordinator));
            }
            else
            {
                await JoinLockedAsync(request, version, clientId, clientHost ?? "", future).ConfigureAwait(false);
            }
        }
        finally
        {
            _lock.Release();
        }
        var response = await future.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return JoinResponseFor(response, version);
    }

    private static JoinGroupResponse JoinError(string memberId, ErrorCode error) =>
        new() { MemberId = memberId, ErrorCode = (short)error, ProtocolName = null };

    /// <summary>Before v7 the protocol name is not nullable: Kafka sends "" there.</summary>
    private static JoinGroupResponse JoinResponseFor(JoinGroupResponse response, short version)
    {
        if (version < 7)
        {
            response.ProtocolName ??= "";
        }
        response.Leader ??= "";
        return response;
    }

    private async ValueTask JoinLockedAsync(
        JoinGroupRequest request,
        short version,
        string clientId,
        string clientHost,
        TaskCompletionSource<JoinGroupResponse> future)
    {
        var groupId = request.GroupId;
        var memberId = request.MemberId;
        var isUnknownMember = memberId.Length == 0;
        if (!_groups.TryGetValue(groupId, out var group))
        {
            if (!isUnknownMember)
            {
                future.TrySetResult(JoinError(memberId, ErrorCode.UnknownMemberId));
                return;
            }
            group = new ClassicGroup(groupId, PartitionFor(groupId), ClassicGroupState.Empty, NowMs);
            _groups[groupId] = group;
            // A new group is committed to the log before anyone relies on it.
            var error = await AppendAsync(group.Partition, [EmptyGroupMetadataRecord(groupId)]).ConfigureAwait(false);
            if (error != ErrorCode.None)
            {
                _groups.Remove(groupId);
                future.TrySetResult(JoinError(memberId, error));
                return;
            }
        }

        var call = new JoinCall(request, version, clientId, clientHost, future);
        if (!AcceptJoiningMember(group, memberId))
        {
            group.Remove(memberId);
            future.TrySetResult(JoinError("", ErrorCode.GroupMaxSizeReached));
        }
        else if (isUnknownMember)
        {
            await JoinNewMemberAsync(group, call).ConfigureAwait(false);
        }
        else
        {
            await JoinExistingMemberAsync(group, call).ConfigureAwait(false);
        }
    }

    private bool AcceptJoiningMember(ClassicGroup group, string memberId) => group.State switch
    {
        ClassicGroupState.Empty or ClassicGroupState.Dead => true,
        // Counting members awaiting join (not all members) lets a lowered max size shed the last rejoiners.
        ClassicGroupState.PreparingRebalance =>
            (group.TryGetMember(memberId, out var m) && m.IsAwaitingJoin) || group.NumAwaitingJoin < _config.GroupMaxSize,
        _ => group.HasMember(memberId) || group.NumMembers < _config.GroupMaxSize,
    };

    private async ValueTask JoinNewMemberAsync(ClassicGroup group, JoinCall call)
    {
        if (group.IsInState(ClassicGroupState.Dead))
        {
            call.Future.TrySetResult(JoinError("", ErrorCode.CoordinatorNotAvailable));
            return;
        }
        if (!group.SupportsProtocols(call.Request.ProtocolType, call.Protocols))
        {
            call.Future.TrySetResult(JoinError("", ErrorCode.InconsistentGroupProtocol));
            return;
        }
        var instanceId = call.Request.GroupInstanceId;
        var newMemberId = (instanceId ?? call.ClientId) + "-" + Guid.NewGuid().ToString("D");
        if (instanceId is not null)
        {
            var existing = group.StaticMemberId(instanceId);
            if (existing is not null)
            {
                await UpdateStaticMemberThenRebalanceOrCompleteJoinAsync(group, call, existing, newMemberId).ConfigureAwait(false);
            }
            else
            {
                await AddMemberThenRebalanceOrCompleteJoinAsync(group, call, newMemberId).ConfigureAwait(false);
            }
        }
        else if (call.Version >= 4)
        {
            // KIP-394: hand out the id first; the member joins for real when it comes back with it.
            group.AddPendingMember(newMemberId);
            var groupId = group.GroupId;
            _timer.Schedule(HeartbeatKey(groupId, newMemberId), call.Request.SessionTimeoutMs,
                () => ExpireHeartbeatAsync(groupId, newMemberId));
            call.Future.TrySetResult(JoinError(newMemberId, ErrorCode.MemberIdRequired));
        }
        else
        {
            await AddMemberThenRebalanceOrCompleteJoinAsync(group, call, newMemberId).ConfigureAwait(false);
        }
    }

    private async ValueTask JoinExistingMemberAsync(ClassicGroup group, JoinCall call)
    {
        var memberId = call.Request.MemberId;
        if (group.IsInState(ClassicGroupState.Dead))
        {
            call.Future.TrySetResult(JoinError(memberId, ErrorCode.CoordinatorNotAvailable));
            return;
        }
        if (!group.SupportsProtocols(call.Request.ProtocolType, call.Protocols))
        {
            call.Future.TrySetResult(JoinError(memberId, ErrorCode.InconsistentGroupProtocol));
            return;
        }
        if (group.IsPendingMember(memberId))
        {
            if (call.Request.GroupInstanceId is not null)
            {
                // Pending members are dynamic by construction.
                call.Future.TrySetResult(JoinError(memberId, ErrorCode.UnknownMemberId));
                return;
            }
            await AddMemberThenRebalanceOrCompleteJoinAsync(group, call, memberId).ConfigureAwait(false);
            return;
        }
        var error = group.ValidateMember(memberId, call.Request.GroupInstanceId);
        if (error != ErrorCode.None)
        {
            call.Future.TrySetResult(JoinError(memberId, error));
            return;
        }
        var member = group.Member(memberId);
        switch (group.State)
        {
            case ClassicGroupState.PreparingRebalance:
                await UpdateMemberThenRebalanceOrCompleteJoinAsync(group, member, call).ConfigureAwait(false);
                break;
            case ClassicGroupState.CompletingRebalance:
                if (member.Matches(call.Protocols))
                {
                    // Probably lost its JoinGroup response: repeat the current generation's.
                    call.Future.TrySetResult(CurrentJoinResponse(group, memberId, group.IsLeader(memberId)));
                }
                else
                {
                    await UpdateMemberThenRebalanceOrCompleteJoinAsync(group, member, call).ConfigureAwait(false);
                }
                break;
            case ClassicGroupState.Stable:
                if (group.IsLeader(memberId) || !member.Matches(call.Protocols))
                {
                    // A leader's JoinGroup forces a rebalance (e.g. topic metadata changed).
                    await UpdateMemberThenRebalanceOrCompleteJoinAsync(group, member, call).ConfigureAwait(false);
                }
                else
                {
                    call.Future.TrySetResult(CurrentJoinResponse(group, memberId, includeMembers: false));
                }
                break;
            default:
                call.Future.TrySetResult(JoinError(memberId, ErrorCode.UnknownMemberId));
                break;
        }
    }

    private static JoinGroupResponse CurrentJoinResponse(ClassicGroup group, string memberId, bool includeMembers) => new()
    {
        Members = includeMembers ? group.CurrentMembersForLeader() : [],
        MemberId = memberId,
        GenerationId = group.GenerationId,
        ProtocolName = group.ProtocolName,
        ProtocolType = group.ProtocolType,
        Leader = group.LeaderId ?? "",
        SkipAssignment = false,
    };

    private ValueTask UpdateMemberThenRebalanceOrCompleteJoinAsync(ClassicGroup group, ClassicGroupMember member, JoinCall call)
    {
        if (member.AwaitingJoin is { } previous && previous != call.Future)
        {
            // A repeated JoinGroup supersedes the parked one; answer the old one so it does not hang.
            previous.TrySetResult(JoinError(member.MemberId, ErrorCode.RebalanceInProgress));
        }
        group.UpdateMember(member, call.Protocols, call.RebalanceTimeoutMs, call.Request.SessionTimeoutMs, call.Future);
        return MaybePrepareRebalanceOrCompleteJoinAsync(group);
    }

    private ValueTask AddMemberThenRebalanceOrCompleteJoinAsync(ClassicGroup group, JoinCall call, string memberId)
    {
        var member = new ClassicGroupMember(
            memberId,
            call.Request.GroupInstanceId,
            call.ClientId,
            call.ClientHost,
            call.RebalanceTimeoutMs,
            call.Request.SessionTimeoutMs,
            call.Request.ProtocolType,
            call.Protocols)
        {
            IsNew = true,
        };
        if (group.IsInState(ClassicGroupState.PreparingRebalance) && group.PreviousState == ClassicGroupState.Empty)
        {
            group.NewMemberAdded = true;
        }
        group.Add(member, call.Future);
        // A new member cannot heartbeat while parked; bound how long a vanished one can hold the rebalance.
        ScheduleHeartbeat(group, member, _config.GroupNewMemberJoinTimeoutMs);
        return MaybePrepareRebalanceOrCompleteJoinAsync(group);
    }

    private async ValueTask UpdateStaticMemberThenRebalanceOrCompleteJoinAsync(
        ClassicGroup group,
        JoinCall call,
        string oldMemberId,
        string newMemberId)
    {
        var instanceId = call.Request.GroupInstanceId!;
        var currentLeader = group.LeaderId;
        var newMember = group.ReplaceStaticMember(instanceId, oldMemberId, newMemberId);
        _timer.Cancel(HeartbeatKey(group.GroupId, oldMemberId));
        ScheduleHeartbeat(group, newMember, newMember.SessionTimeoutMs);

        var oldRebalanceTimeoutMs = newMember.RebalanceTimeoutMs;
        var oldSessionTimeoutMs = newMember.SessionTimeoutMs;
        var oldProtocols = newMember.SupportedProtocols;
        group.UpdateMember(newMember, call.Protocols, call.RebalanceTimeoutMs, call.Request.SessionTimeoutMs, call.Future);

        switch (group.State)
        {
            case ClassicGroupState.Stable:
                if ((group.ProtocolName ?? "") == group.SelectProtocol())
                {
                    // Same protocol: the static member takes its old place and assignment; no rebalance.
                    var error = await AppendAsync(group.Partition, [GroupMetadataRecord(group, m => m.Assignment)])
                        .ConfigureAwait(false);
                    if (error != ErrorCode.None)
                    {
                        group.UpdateMember(newMember, oldProtocols, oldRebalanceTimeoutMs, oldSessionTimeoutMs, null);
                        var oldMember = group.ReplaceStaticMember(instanceId, newMemberId, oldMemberId);
                        _timer.Cancel(HeartbeatKey(group.GroupId, newMemberId));
                        ScheduleHeartbeat(group, oldMember, oldMember.SessionTimeoutMs);
                        call.Future.TrySetResult(new JoinGroupResponse
                        {
                            MemberId = "",
                            GenerationId = group.GenerationId,
                            ProtocolName = group.ProtocolName,
                            ProtocolType = group.ProtocolType,
                            Leader = currentLeader ?? "",
                            ErrorCode = (short)error,
                        });
                    }
                    else if (call.Version >= 9)
                    {
                        // KIP-814: a rejoining static leader gets the members but need not reassign.
                        var isLeader = group.IsLeader(newMemberId);
                        var response = CurrentJoinResponse(group, newMemberId, isLeader);
                        response.SkipAssignment = isLeader;
                        group.CompleteJoinFuture(newMember, response);
                    }
                    else
                    {
                        var response = CurrentJoinResponse(group, newMemberId, includeMembers: false);
                        // Older clients would reassign if told they lead; keep the old leader id visible.
                        response.Leader = currentLeader ?? "";
                        group.CompleteJoinFuture(newMember, response);
                    }
                }
                else
                {
                    await MaybePrepareRebalanceOrCompleteJoinAsync(group).ConfigureAwait(false);
                }
                break;
            case ClassicGroupState.CompletingRebalance:
                // The leader may already have assigned to the old id: rebalance so the new id gets its share.
                await PrepareRebalanceAsync(group).ConfigureAwait(false);
                break;
            case ClassicGroupState.PreparingRebalance:
                await MaybeCompleteJoinPhaseAsync(group).ConfigureAwait(false);
                break;
            default:
                throw new InvalidOperationException(
                    $"Group {group.GroupId} in state {group.State} cannot have a known static member {instanceId}.");
        }
    }

    private ValueTask MaybePrepareRebalanceOrCompleteJoinAsync(ClassicGroup group) =>
        group.CanRebalance ? PrepareRebalanceAsync(group) : MaybeCompleteJoinPhaseAsync(group);

    private ValueTask MaybeCompleteJoinPhaseAsync(ClassicGroup group)
    {
        if (!group.IsInState(ClassicGroupState.PreparingRebalance) ||
            group.PreviousState == ClassicGroupState.Empty ||
            !group.HasAllMembersJoined)
        {
            // The initial rebalance of a new group always waits out its delay.
            return ValueTask.CompletedTask;
        }
        return CompleteJoinAsync(group);
    }

    private async ValueTask PrepareRebalanceAsync(ClassicGroup group)
    {
        if (group.IsInState(ClassicGroupState.CompletingRebalance))
        {
            ResetAndPropagateAssignmentWithError(group, ErrorCode.RebalanceInProgress);
        }
        RemoveSyncExpiration(group);

        var isInitialRebalance = group.IsInState(ClassicGroupState.Empty);
        if (isInitialRebalance)
        {
            var delayMs = _config.GroupInitialRebalanceDelayMs;
            var remainingMs = Math.Max(group.RebalanceTimeoutMs - delayMs, 0);
            var groupId = group.GroupId;
            _timer.Schedule(JoinKey(groupId), delayMs,
                () => TryCompleteInitialRebalanceElseScheduleAsync(groupId, delayMs, remainingMs));
        }
        group.TransitionTo(ClassicGroupState.PreparingRebalance, NowMs);
        if (!isInitialRebalance)
        {
            await MaybeCompleteJoinElseScheduleAsync(group).ConfigureAwait(false);
        }
    }

    private ValueTask MaybeCompleteJoinElseScheduleAsync(ClassicGroup group)
    {
        if (group.HasAllMembersJoined)
        {
            return CompleteJoinAsync(group);
        }
        var groupId = group.GroupId;
        _timer.Schedule(JoinKey(groupId), group.RebalanceTimeoutMs, () => CompleteJoinAsync(groupId));
        return ValueTask.CompletedTask;
    }

    private ValueTask TryCompleteInitialRebalanceElseScheduleAsync(string groupId, int delayMs, int remainingMs)
    {
        if (!_groups.TryGetValue(groupId, out var group))
        {
            return ValueTask.CompletedTask;
        }
        if (group.NewMemberAdded && remainingMs != 0)
        {
            // Someone joined during the delay: wait a little longer, within the rebalance timeout.
            group.NewMemberAdded = false;
            var newDelayMs = Math.Min(_config.GroupInitialRebalanceDelayMs, remainingMs);
            var newRemainingMs = Math.Max(remainingMs - delayMs, 0);
            _timer.Schedule(JoinKey(groupId), newDelayMs,
                () => TryCompleteInitialRebalanceElseScheduleAsync(groupId, newDelayMs, newRemainingMs));
            return ValueTask.CompletedTask;
        }
        return CompleteJoinAsync(group);
    }

    private ValueTask CompleteJoinAsync(string groupId) =>
        _groups.TryGetValue(groupId, out var group) ? CompleteJoinAsync(group) : ValueTask.CompletedTask;

    /// <summary>Ends the join phase: drop dynamic members that did not rejoin, start the next generation.</summary>
    private async ValueTask CompleteJoinAsync(ClassicGroup group)
    {
        var groupId = group.GroupId;
        _timer.Cancel(JoinKey(groupId));
        var failed = new List<ClassicGroupMember>();
        foreach (var m in group.Members)
        {
            if (!m.IsAwaitingJoin && !m.IsStatic)
            {
                failed.Add(m);
            }
        }
        foreach (var m in failed)
        {
            group.Remove(m.MemberId);
            _timer.Cancel(HeartbeatKey(groupId, m.MemberId));
        }

        if (group.IsInState(ClassicGroupState.Dead))
        {
            return;
        }
        if (!group.MaybeElectNewJoinedLeader() && group.NumMembers > 0)
        {
            // Only static members that have not rejoined remain: wait for them or for their sessions to end.
            _timer.Schedule(JoinKey(groupId), group.RebalanceTimeoutMs, () => CompleteJoinAsync(groupId));
            return;
        }

        group.InitNextGeneration(NowMs);
        if (group.IsInState(ClassicGroupState.Empty))
        {
            // Failure is tolerable: an empty generation has nobody to mislead.
            await AppendAsync(group.Partition, [GroupMetadataRecord(group, _ => [])]).ConfigureAwait(false);
            return;
        }
        foreach (var m in group.Members)
        {
            group.CompleteJoinFuture(m, CurrentJoinResponse(group, m.MemberId, group.IsLeader(m.MemberId)));
            ScheduleHeartbeat(group, m, m.SessionTimeoutMs);
            m.IsNew = false;
            group.AddPendingSyncMember(m.MemberId);
        }
        var generation = group.GenerationId;
        _timer.Schedule(SyncKey(groupId), group.RebalanceTimeoutMs, () => ExpirePendingSyncAsync(groupId, generation));
    }

    private ValueTask ExpirePendingSyncAsync(string groupId, int generationId)
    {
        if (!_groups.TryGetValue(groupId, out var group) || group.GenerationId != generationId)
        {
            return ValueTask.CompletedTask;
        }
        if (group.State is ClassicGroupState.CompletingRebalance or ClassicGroupState.Stable &&
            !group.HasReceivedSyncFromAllMembers)
        {
            foreach (var memberId in new List<string>(group.PendingSyncMembers))
            {
                group.Remove(memberId);
                _timer.Cancel(HeartbeatKey(groupId, memberId));
            }
            return PrepareRebalanceAsync(group);
        }
        return ValueTask.CompletedTask;
    }

    private void ScheduleHeartbeat(ClassicGroup group, ClassicGroupMember member, long timeoutMs)
    {
        var groupId = group.GroupId;
        var memberId = member.MemberId;
        _timer.Schedule(HeartbeatKey(groupId, memberId), timeoutMs, () => ExpireHeartbeatAsync(groupId, memberId));
    }

    private ValueTask ExpireHeartbeatAsync(string groupId, string memberId)
    {
        if (!_groups.TryGetValue(groupId, out var group) || group.IsInState(ClassicGroupState.Dead))
        {
            return ValueTask.CompletedTask;
        }
        if (group.IsPendingMember(memberId))
        {
            group.Remove(memberId);
            return group.IsInState(ClassicGroupState.PreparingRebalance) && group.HasAllMembersJoined
                ? CompleteJoinAsync(group)
                : ValueTask.CompletedTask;
        }
        if (group.TryGetMember(memberId, out var member) && !member.HasSatisfiedHeartbeat)
        {
            return RemoveMemberAndUpdateGroupAsync(group, member);
        }
        return ValueTask.CompletedTask;
    }

    private ValueTask RemoveMemberAndUpdateGroupAsync(ClassicGroup group, ClassicGroupMember member)
    {
        // A new member may expire while parked: answer it so a live client retries.
        group.CompleteJoinFuture(member, JoinError("", ErrorCode.UnknownMemberId));
        ClassicGroup.CompleteSyncFuture(member, new SyncGroupResponse { ErrorCode = (short)ErrorCode.UnknownMemberId });
        group.Remove(member.MemberId);
        if (group.State is ClassicGroupState.Stable or ClassicGroupState.CompletingRebalance)
        {
            return MaybePrepareRebalanceOrCompleteJoinAsync(group);
        }
        if (group.IsInState(ClassicGroupState.PreparingRebalance) && group.HasAllMembersJoined)
        {
            return CompleteJoinAsync(group);
        }
        return ValueTask.CompletedTask;
    }

    private void RemoveSyncExpiration(ClassicGroup group)
    {
        group.ClearPendingSyncMembers();
        _timer.Cancel(SyncKey(group.GroupId));
    }

    private void ResetAndPropagateAssignmentWithError(ClassicGroup group, ErrorCode error)
    {
        foreach (var m in group.Members)
        {
            m.Assignment = [];
        }
        PropagateAssignment(group, error);
    }

    private void PropagateAssignment(ClassicGroup group, ErrorCode error)
    {
        var ok = error == ErrorCode.None;
        foreach (var m in group.Members)
        {
            var response = new SyncGroupResponse
            {
                ProtocolName = ok ? group.ProtocolName : null,
                ProtocolType = ok ? group.ProtocolType : null,
                Assignment = m.Assignment,
                ErrorCode = (short)error,
            };
            if (ClassicGroup.CompleteSyncFuture(m, response))
            {
                // Sessions are not checked while parked in sync; restart the clock now.
                ScheduleHeartbeat(group, m, m.SessionTimeoutMs);
            }
        }
    }

    /// <summary>One JoinGroup call's inputs, normalised across versions.</summary>
    private sealed class JoinCall
    {
        public JoinCall(JoinGroupRequest request, short version, string clientId, string clientHost,
            TaskCompletionSource<JoinGroupResponse> future)
        {
            Request = request;
            Version = version;
            ClientId = clientId;
            ClientHost = clientHost;
            Future = future;
            Protocols = ClassicGroupMember.ToProtocols(request.Protocols);
            // v0 has no rebalance timeout: Kafka uses the session timeout.
            RebalanceTimeoutMs = version == 0 || request.RebalanceTimeoutMs < 0 ? request.SessionTimeoutMs : request.RebalanceTimeoutMs;
        }

        public JoinGroupRequest Request { get; }

        public short Version { get; }

        public string ClientId { get; }

        public string ClientHost { get; }

        public TaskCompletionSource<JoinGroupResponse> Future { get; }

        public List<(string Name, byte[] Metadata)> Protocols { get; }

        public int RebalanceTimeoutMs { get; }
    }
}
