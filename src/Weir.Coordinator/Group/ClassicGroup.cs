using Weir.Protocol;
using Weir.Protocol.GroupCoordinator;
using Weir.Protocol.Messages;

namespace Weir.Coordinator.Group;

/// <summary>
/// A classic (JoinGroup/SyncGroup) group's state: members, generation, selected protocol, leader,
/// and the bookkeeping of a rebalance in flight. Mutated only under the coordinator's lock.
/// </summary>
internal sealed class ClassicGroup
{
    private const string ConsumerProtocolType = "consumer";

    private readonly OrderedDictionary<string, ClassicGroupMember> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _staticMembers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _pendingJoinMembers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _pendingSyncMembers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _supportedProtocols = new(StringComparer.Ordinal);
    private int _numMembersAwaitingJoin;

    public ClassicGroup(string groupId, int partition, ClassicGroupState state, long nowMs)
    {
        GroupId = groupId;
        Partition = partition;
        State = state;
        PreviousState = state;
        CurrentStateTimestampMs = nowMs;
    }

    public string GroupId { get; }

    public int Partition { get; }

    public ClassicGroupState State { get; private set; }

    public ClassicGroupState PreviousState { get; private set; }

    public long? CurrentStateTimestampMs { get; set; }

    public int GenerationId { get; set; }

    public string? ProtocolType { get; set; }

    public string? ProtocolName { get; set; }

    public string? LeaderId { get; set; }

    /// <summary>Set when a member joins during the initial (delayed) rebalance, to extend the delay.</summary>
    public bool NewMemberAdded { get; set; }

    /// <summary>Topics the "consumer" members subscribe to; null when unknown.</summary>
    public HashSet<string>? SubscribedTopics { get; private set; }

    public int NumMembers => _members.Count;

    public int NumAwaitingJoin => _numMembersAwaitingJoin;

    public IEnumerable<ClassicGroupMember> Members => _members.Values;

    public bool IsInState(ClassicGroupState state) => State == state;

    public bool HasMember(string memberId) => _members.ContainsKey(memberId);

    public ClassicGroupMember Member(string memberId) => _members[memberId];

    public bool TryGetMember(string memberId, out ClassicGroupMember member) => _members.TryGetValue(memberId, out member!);

    public bool IsLeader(string memberId) => LeaderId == memberId;

    public string? StaticMemberId(string groupInstanceId) =>
        _staticMembers.TryGetValue(groupInstanceId, out var id) ? id : null;

    public bool HasStaticMember(string groupInstanceId) => _staticMembers.ContainsKey(groupInstanceId);

    public bool IsPendingMember(string memberId) => _pendingJoinMembers.Contains(memberId);

    public void AddPendingMember(string memberId) => _pendingJoinMembers.Add(memberId);

    public void AddPendingSyncMember(string memberId) => _pendingSyncMembers.Add(memberId);

    public void RemovePendingSyncMember(string memberId) => _pendingSyncMembers.Remove(memberId);

    public void ClearPendingSyncMembers() => _pendingSyncMembers.Clear();

    public bool HasReceivedSyncFromAllMembers => _pendingSyncMembers.Count == 0;

    public IReadOnlyCollection<string> PendingSyncMembers => _pendingSyncMembers;

    public bool HasAllMembersJoined => _members.Count == _numMembersAwaitingJoin && _pendingJoinMembers.Count == 0;

    /// <summary>The group's rebalance timeout: the largest of its members'.</summary>
    public int RebalanceTimeoutMs
    {
        get
        {
            var max = 0;
            foreach (var m in _members.Values)
            {
                max = Math.Max(max, m.RebalanceTimeoutMs);
            }
            return max;
        }
    }

    /// <summary>A rebalance may start from Stable, CompletingRebalance or Empty.</summary>
    public bool CanRebalance =>
        State is ClassicGroupState.Stable or ClassicGroupState.CompletingRebalance or ClassicGroupState.Empty;

    public void TransitionTo(ClassicGroupState state, long nowMs)
    {
        PreviousState = State;
        State = state;
        CurrentStateTimestampMs = nowMs;
    }

    public void Add(ClassicGroupMember member, TaskCompletionSource<JoinGroupResponse>? joinFuture)
    {
        if (_members.Count == 0)
        {
            ProtocolType = member.ProtocolType;
        }
        LeaderId ??= member.MemberId;
        _members[member.MemberId] = member;
        if (member.GroupInstanceId is { } instanceId)
        {
            _staticMembers[instanceId] = member.MemberId;
        }
        IncrementSupportedProtocols(member);
        member.AwaitingJoin = joinFuture;
        if (member.IsAwaitingJoin)
        {
            _numMembersAwaitingJoin++;
        }
        _pendingJoinMembers.Remove(member.MemberId);
    }

    public void Remove(string memberId)
    {
        if (_members.Remove(memberId, out var removed))
        {
            DecrementSupportedProtocols(removed);
            if (removed.IsAwaitingJoin)
            {
                _numMembersAwaitingJoin--;
            }
            if (removed.GroupInstanceId is { } instanceId)
            {
                _staticMembers.Remove(instanceId);
            }
        }
        if (IsLeader(memberId))
        {
            LeaderId = _members.Count > 0 ? _members.GetAt(0).Key : null;
        }
        _pendingJoinMembers.Remove(memberId);
        _pendingSyncMembers.Remove(memberId);
    }

    public void UpdateMember(
        ClassicGroupMember member,
        List<(string Name, byte[] Metadata)> protocols,
        int rebalanceTimeoutMs,
        int sessionTimeoutMs,
        TaskCompletionSource<JoinGroupResponse>? joinFuture)
    {
        DecrementSupportedProtocols(member);
        member.SupportedProtocols = protocols;
        IncrementSupportedProtocols(member);
        member.RebalanceTimeoutMs = rebalanceTimeoutMs;
        member.SessionTimeoutMs = sessionTimeoutMs;
        if (joinFuture is not null && !member.IsAwaitingJoin)
        {
            _numMembersAwaitingJoin++;
        }
        else if (joinFuture is null && member.IsAwaitingJoin)
        {
            _numMembersAwaitingJoin--;
        }
        member.AwaitingJoin = joinFuture;
    }

    /// <summary>Completes a parked JoinGroup, if any; returns whether one was parked.</summary>
    public bool CompleteJoinFuture(ClassicGroupMember member, JoinGroupResponse response)
    {
        if (member.AwaitingJoin is not { } future)
        {
            return false;
        }
        member.AwaitingJoin = null;
        _numMembersAwaitingJoin--;
        future.TrySetResult(response);
        return true;
    }

    /// <summary>Completes a parked SyncGroup, if any; returns whether one was parked.</summary>
    public static bool CompleteSyncFuture(ClassicGroupMember member, SyncGroupResponse response)
    {
        if (member.AwaitingSync is not { } future)
        {
            return false;
        }
        member.AwaitingSync = null;
        future.TrySetResult(response);
        return true;
    }

    /// <summary>
    /// A static member rejoined with an unknown member id: give its slot a new member id, fencing
    /// whatever the old id has parked.
    /// </summary>
    public ClassicGroupMember ReplaceStaticMember(string groupInstanceId, string oldMemberId, string newMemberId)
    {
        var old = _members[oldMemberId];
        _members.Remove(oldMemberId);
        if (old.IsAwaitingJoin)
        {
            // The fenced response below consumes the old member's slot in the awaiting-join count.
            _numMembersAwaitingJoin--;
            var future = old.AwaitingJoin!;
            old.AwaitingJoin = null;
            future.TrySetResult(new JoinGroupResponse
            {
                MemberId = oldMemberId,
                ProtocolName = null,
                ProtocolType = null,
                Leader = "",
                ErrorCode = (short)ErrorCode.FencedInstanceId,
            });
        }
        CompleteSyncFuture(old, new SyncGroupResponse { ErrorCode = (short)ErrorCode.FencedInstanceId });

        var replacement = new ClassicGroupMember(
            newMemberId,
            old.GroupInstanceId,
            old.ClientId,
            old.ClientHost,
            old.RebalanceTimeoutMs,
            old.SessionTimeoutMs,
            old.ProtocolType,
            old.SupportedProtocols,
            old.Assignment);
        _members[newMemberId] = replacement;
        if (IsLeader(oldMemberId))
        {
            LeaderId = newMemberId;
        }
        _staticMembers[groupInstanceId] = newMemberId;
        return replacement;
    }

    /// <summary>Keeps the leader if it rejoined, else elects a rejoined member; false if none rejoined.</summary>
    public bool MaybeElectNewJoinedLeader()
    {
        if (LeaderId is null || !_members.TryGetValue(LeaderId, out var leader))
        {
            return false;
        }
        if (leader.IsAwaitingJoin)
        {
            return true;
        }
        foreach (var m in _members.Values)
        {
            if (m.IsAwaitingJoin)
            {
                LeaderId = m.MemberId;
                return true;
            }
        }
        return false;
    }

    public void InitNextGeneration(long nowMs)
    {
        GenerationId++;
        if (_members.Count > 0)
        {
            ProtocolName = SelectProtocol();
            SubscribedTopics = ComputeSubscribedTopics();
            TransitionTo(ClassicGroupState.CompletingRebalance, nowMs);
        }
        else
        {
            ProtocolName = null;
            SubscribedTopics = ComputeSubscribedTopics();
            TransitionTo(ClassicGroupState.Empty, nowMs);
        }
        _pendingSyncMembers.Clear();
    }

    /// <summary>The protocol every member supports that most members prefer.</summary>
    public string SelectProtocol()
    {
        var candidates = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, count) in _supportedProtocols)
        {
            if (count == _members.Count)
            {
                candidates.Add(name);
            }
        }
        var votes = new Dictionary<string, int>(StringComparer.Ordinal);
        string? best = null;
        var bestVotes = 0;
        foreach (var m in _members.Values)
        {
            var vote = m.Vote(candidates);
            var n = votes[vote] = votes.GetValueOrDefault(vote) + 1;
            if (n > bestVotes)
            {
                best = vote;
                bestVotes = n;
            }
        }
        return best ?? throw new InvalidOperationException("Cannot select a protocol for an empty group.");
    }

    /// <summary>Whether a member with this protocol type and these protocols may join.</summary>
    public bool SupportsProtocols(string memberProtocolType, List<(string Name, byte[] Metadata)> memberProtocols)
    {
        if (State == ClassicGroupState.Empty)
        {
            return memberProtocolType.Length > 0 && memberProtocols.Count > 0;
        }
        if (ProtocolType != memberProtocolType)
        {
            return false;
        }
        foreach (var (name, _) in memberProtocols)
        {
            if (_supportedProtocols.GetValueOrDefault(name) == _members.Count)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Throws nothing: returns the error Kafka's validateMember would raise, or None.</summary>
    public ErrorCode ValidateMember(string memberId, string? groupInstanceId)
    {
        if (groupInstanceId is not null)
        {
            var existing = StaticMemberId(groupInstanceId);
            if (existing is null)
            {
                return ErrorCode.UnknownMemberId;
            }
            if (existing != memberId)
            {
                return ErrorCode.FencedInstanceId;
            }
        }
        return HasMember(memberId) ? ErrorCode.None : ErrorCode.UnknownMemberId;
    }

    /// <summary>The join-response member list the leader gets: each member's metadata for the chosen protocol.</summary>
    public List<JoinGroupResponse.JoinGroupResponseMember> CurrentMembersForLeader()
    {
        var list = new List<JoinGroupResponse.JoinGroupResponseMember>(_members.Count);
        foreach (var m in _members.Values)
        {
            list.Add(new JoinGroupResponse.JoinGroupResponseMember
            {
                MemberId = m.MemberId,
                GroupInstanceId = m.GroupInstanceId,
                Metadata = m.Metadata(ProtocolName),
            });
        }
        return list;
    }

    /// <summary>True when the group consumes the topic, so its offsets must not be deleted or expired.</summary>
    public bool IsSubscribedToTopic(string topic) =>
        SubscribedTopics is { } topics ? topics.Contains(topic) : ProtocolType == ConsumerProtocolType;

    public HashSet<string>? ComputeSubscribedTopics()
    {
        if (ProtocolType != ConsumerProtocolType)
        {
            return null;
        }
        var topics = new HashSet<string>(StringComparer.Ordinal);
        if (_members.Count == 0)
        {
            return topics;
        }
        if (ProtocolName is null)
        {
            return null;
        }
        foreach (var m in _members.Values)
        {
            if (!ConsumerProtocolSubscription.TryReadTopics(m.Metadata(ProtocolName), topics))
            {
                return null;
            }
        }
        return topics;
    }

    public void RefreshSubscribedTopics() => SubscribedTopics = ComputeSubscribedTopics();

    /// <summary>The GroupMetadataValue for the log, with the given assignment per member.</summary>
    public GroupMetadataValue ToRecordValue(Func<ClassicGroupMember, byte[]> assignment)
    {
        var value = new GroupMetadataValue
        {
            protocolType = ProtocolType ?? "",
            generation = GenerationId,
            protocol = ProtocolName,
            leader = LeaderId,
            currentStateTimestamp = CurrentStateTimestampMs ?? -1,
        };
        foreach (var m in _members.Values)
        {
            value.members.Add(new GroupMetadataValue.MemberMetadata
            {
                memberId = m.MemberId,
                groupInstanceId = m.GroupInstanceId,
                clientId = m.ClientId,
                clientHost = m.ClientHost,
                rebalanceTimeout = m.RebalanceTimeoutMs,
                sessionTimeout = m.SessionTimeoutMs,
                subscription = m.Metadata(ProtocolName),
                assignment = assignment(m),
            });
        }
        return value;
    }

    private void IncrementSupportedProtocols(ClassicGroupMember member)
    {
        foreach (var (name, _) in member.SupportedProtocols)
        {
            _supportedProtocols[name] = _supportedProtocols.GetValueOrDefault(name) + 1;
        }
    }

    private void DecrementSupportedProtocols(ClassicGroupMember member)
    {
        foreach (var (name, _) in member.SupportedProtocols)
        {
            _supportedProtocols[name] = _supportedProtocols.GetValueOrDefault(name) - 1;
        }
    }
}
