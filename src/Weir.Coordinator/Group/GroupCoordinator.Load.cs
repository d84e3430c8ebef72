using Weir.Protocol;
using Weir.Protocol.GroupCoordinator;
using Weir.Protocol.Messages;

namespace Weir.Coordinator.Group;

public sealed partial class GroupCoordinator
{
    /// <summary>
    /// Becomes coordinator for <paramref name="partition"/>: replays its <c>__consumer_offsets</c> records
    /// (key/value bytes in log order; a null value is a tombstone) and starts serving its groups.
    /// Record types other than offset commits and group metadata (KIP-848 records) are skipped.
    /// </summary>
    public void Load(int partition, IEnumerable<(ReadOnlyMemory<byte> Key, ReadOnlyMemory<byte>? Value)> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        _lock.Wait();
        try
        {
            var loaded = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (key, value) in records)
            {
                Replay(partition, key, value, loaded);
            }
            _loadedPartitions.Add(partition);
            foreach (var groupId in loaded)
            {
                if (!_groups.TryGetValue(groupId, out var group))
                {
                    continue;
                }
                group.RefreshSubscribedTopics();
                foreach (var member in group.Members)
                {
                    ScheduleHeartbeat(group, member, member.SessionTimeoutMs);
                }
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// Stops serving <paramref name="partition"/> (leadership moved): its groups and offsets are dropped
    /// and parked requests answer NOT_COORDINATOR.
    /// </summary>
    public void Unload(int partition)
    {
        _lock.Wait();
        try
        {
            _loadedPartitions.Remove(partition);
            var gone = new List<ClassicGroup>();
            foreach (var group in _groups.Values)
            {
                if (group.Partition == partition)
                {
                    gone.Add(group);
                }
            }
            foreach (var group in gone)
            {
                MarkDead(group, ErrorCode.NotCoordinator);
                _offsets.Remove(group.GroupId);
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    private void Replay(int partition, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte>? value, HashSet<string> loaded)
    {
        var keyVersion = GroupRecordSerde.ReadVersion(key, out var keyReader);
        switch (keyVersion)
        {
            case 0:
            case 1:
                {
                    var k = OffsetCommitKey.Read(ref keyReader, keyVersion);
                    if (value is not { } v)
                    {
                        RemoveOffset(k.group, k.topic, k.partition);
                        break;
                    }
                    var valueVersion = GroupRecordSerde.ReadVersion(v, out var valueReader);
                    var val = OffsetCommitValue.Read(ref valueReader, valueVersion);
                    if (!_groups.ContainsKey(k.group))
                    {
                        // Offsets without a group: a "simple" group of a consumer that commits without joining.
                        _groups[k.group] = new ClassicGroup(k.group, partition, ClassicGroupState.Empty, NowMs);
                    }
                    loaded.Add(k.group);
                    PutOffset(k.group, k.topic, k.partition, new OffsetAndMetadata(
                        val.offset,
                        val.leaderEpoch,
                        val.metadata,
                        val.commitTimestamp,
                        val.expireTimestamp == -1 ? null : val.expireTimestamp));
                    break;
                }
            case 2:
                {
                    var k = GroupMetadataKey.Read(ref keyReader, keyVersion);
                    if (value is not { } v)
                    {
                        _groups.Remove(k.group);
                        loaded.Remove(k.group);
                        break;
                    }
                    var valueVersion = GroupRecordSerde.ReadVersion(v, out var valueReader);
                    var val = GroupMetadataValue.Read(ref valueReader, valueVersion);
                    _groups[k.group] = FromRecord(k.group, partition, val);
                    loaded.Add(k.group);
                    break;
                }
            default:
                break;
        }
    }

    private static ClassicGroup FromRecord(string groupId, int partition, GroupMetadataValue value)
    {
        var state = value.members.Count == 0 ? ClassicGroupState.Empty : ClassicGroupState.Stable;
        var group = new ClassicGroup(groupId, partition, state, 0)
        {
            GenerationId = value.generation,
            ProtocolType = string.IsNullOrEmpty(value.protocolType) ? null : value.protocolType,
            ProtocolName = value.protocol,
            CurrentStateTimestampMs = value.currentStateTimestamp == -1 ? null : value.currentStateTimestamp,
        };
        foreach (var m in value.members)
        {
            var member = new ClassicGroupMember(
                m.memberId,
                m.groupInstanceId,
                m.clientId,
                m.clientHost,
                m.rebalanceTimeout == -1 ? m.sessionTimeout : m.rebalanceTimeout,
                m.sessionTimeout,
                value.protocolType,
                [(value.protocol ?? "", m.subscription)],
                m.assignment);
            group.Add(member, null);
        }
        // Add() elects the first member; the record names the real leader.
        group.LeaderId = value.leader;
        return group;
    }

    /// <summary>The group is gone from this coordinator: answer whatever it has parked, then forget it.</summary>
    private void MarkDead(ClassicGroup group, ErrorCode error)
    {
        group.TransitionTo(ClassicGroupState.Dead, NowMs);
        _timer.Cancel(JoinKey(group.GroupId));
        _timer.Cancel(SyncKey(group.GroupId));
        foreach (var member in new List<ClassicGroupMember>(group.Members))
        {
            _timer.Cancel(HeartbeatKey(group.GroupId, member.MemberId));
            group.CompleteJoinFuture(member, new JoinGroupResponse { MemberId = member.MemberId, ErrorCode = (short)error });
            ClassicGroup.CompleteSyncFuture(member, new SyncGroupResponse { ErrorCode = (short)error });
        }
        _groups.Remove(group.GroupId);
    }

    private void PutOffset(string groupId, string topic, int partition, OffsetAndMetadata offset)
    {
        if (!_offsets.TryGetValue(groupId, out var topics))
        {
            _offsets[groupId] = topics = new Dictionary<string, Dictionary<int, OffsetAndMetadata>>(StringComparer.Ordinal);
        }
        if (!topics.TryGetValue(topic, out var partitions))
        {
            topics[topic] = partitions = [];
        }
        partitions[partition] = offset;
    }

    private void RemoveOffset(string groupId, string topic, int partition)
    {
        if (_offsets.TryGetValue(groupId, out var topics) && topics.TryGetValue(topic, out var partitions))
        {
            partitions.Remove(partition);
            if (partitions.Count == 0)
            {
                topics.Remove(topic);
                if (topics.Count == 0)
                {
                    _offsets.Remove(groupId);
                }
            }
        }
    }

    private OffsetAndMetadata? GetOffset(string groupId, string topic, int partition) =>
        _offsets.TryGetValue(groupId, out var topics) && topics.TryGetValue(topic, out var partitions) &&
        partitions.TryGetValue(partition, out var offset) ? offset : null;
}
