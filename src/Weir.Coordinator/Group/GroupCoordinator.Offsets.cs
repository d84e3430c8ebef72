using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Coordinator.Group;

public sealed partial class GroupCoordinator
{
    /// <summary>
    /// OffsetCommit v0-9. Generation -1 with no member is a "simple" commit, accepted while the group is
    /// empty (creating it if needed). A missing group with a real generation is ILLEGAL_GENERATION
    /// before v9 and GROUP_ID_NOT_FOUND from v9.
    /// </summary>
    public async ValueTask<OffsetCommitResponse> OffsetCommitAsync(
        OffsetCommitRequest request,
        short version,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.GroupId))
        {
            return CommitError(request, ErrorCode.InvalidGroupId);
        }
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await OffsetCommitLockedAsync(request, version).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    private static OffsetCommitResponse CommitError(OffsetCommitRequest request, ErrorCode error)
    {
        var response = new OffsetCommitResponse();
        foreach (var topic in request.Topics)
        {
            var t = new OffsetCommitResponse.OffsetCommitResponseTopic { Name = topic.Name };
            foreach (var p in topic.Partitions)
            {
                t.Partitions.Add(new OffsetCommitResponse.OffsetCommitResponsePartition
                {
                    PartitionIndex = p.PartitionIndex,
                    ErrorCode = (short)error,
                });
            }
            response.Topics.Add(t);
        }
        return response;
    }

    private async ValueTask<OffsetCommitResponse> OffsetCommitLockedAsync(OffsetCommitRequest request, short version)
    {
        var groupId = request.GroupId;
        if (!Owns(groupId))
        {
            return CommitError(request, ErrorCode.NotCoordinator);
        }
        var generation = request.GenerationIdOrMemberEpoch;
        var created = false;
        if (!_groups.TryGetValue(groupId, out var group))
        {
            if (generation >= 0)
            {
                return CommitError(request, version >= 9 ? ErrorCode.GroupIdNotFound : ErrorCode.IllegalGeneration);
            }
            // A consumer committing without group management gets a "simple" group: empty, no protocol.
            group = new ClassicGroup(groupId, PartitionFor(groupId), ClassicGroupState.Empty, NowMs);
            _groups[groupId] = group;
            created = true;
        }
        var error = ValidateOffsetCommit(group, request.MemberId, request.GroupInstanceId, generation);
        if (error != ErrorCode.None)
        {
            return CommitError(request, error);
        }
        // Classic members keep their session alive by committing.
        if (group.State is ClassicGroupState.Stable or ClassicGroupState.PreparingRebalance &&
            group.TryGetMember(request.MemberId, out var member))
        {
            ScheduleHeartbeat(group, member, member.SessionTimeoutMs);
        }

        var now = NowMs;
        long? expireTimestampMs = request.RetentionTimeMs == -1 ? null : now + request.RetentionTimeMs;
        var response = new OffsetCommitResponse();
        var records = new List<GroupRecord>();
        var accepted = new List<(string Topic, int Partition, OffsetAndMetadata Offset)>();
        foreach (var topic in request.Topics)
        {
            var t = new OffsetCommitResponse.OffsetCommitResponseTopic { Name = topic.Name };
            response.Topics.Add(t);
            foreach (var p in topic.Partitions)
            {
                var metadata = p.CommittedMetadata ?? "";
                if (metadata.Length > _config.OffsetMetadataMaxBytes)
                {
                    t.Partitions.Add(new OffsetCommitResponse.OffsetCommitResponsePartition
                    {
                        PartitionIndex = p.PartitionIndex,
                        ErrorCode = (short)ErrorCode.OffsetMetadataTooLarge,
                    });
                    continue;
                }
                var offset = new OffsetAndMetadata(
                    p.CommittedOffset,
                    p.CommittedLeaderEpoch,
                    metadata,
                    p.CommitTimestamp == -1 ? now : p.CommitTimestamp,
                    expireTimestampMs);
                records.Add(GroupRecordSerde.OffsetCommit(groupId, topic.Name, p.PartitionIndex, offset));
                accepted.Add((topic.Name, p.PartitionIndex, offset));
                t.Partitions.Add(new OffsetCommitResponse.OffsetCommitResponsePartition { PartitionIndex = p.PartitionIndex });
            }
        }

        var appendError = await AppendAsync(group.Partition, records).ConfigureAwait(false);
        if (appendError != ErrorCode.None)
        {
            foreach (var t in response.Topics)
            {
                foreach (var p in t.Partitions)
                {
                    if (p.ErrorCode == 0)
                    {
                        p.ErrorCode = (short)appendError;
                    }
                }
            }
            if (created && !_offsets.ContainsKey(groupId))
            {
                _groups.Remove(groupId);
            }
            return response;
        }
        foreach (var (topic, partition, offset) in accepted)
        {
            PutOffset(groupId, topic, partition, offset);
        }
        return response;
    }

    private static ErrorCode ValidateOffsetCommit(ClassicGroup group, string memberId, string? groupInstanceId, int generationId)
    {
        if (group.IsInState(ClassicGroupState.Dead))
        {
            return ErrorCode.CoordinatorNotAvailable;
        }
        if (generationId < 0 && group.IsInState(ClassicGroupState.Empty))
        {
            // Admin client or a consumer without group management.
            return ErrorCode.None;
        }
        if (generationId >= 0 || memberId.Length > 0 || groupInstanceId is not null)
        {
            var error = group.ValidateMember(memberId, groupInstanceId);
            if (error != ErrorCode.None)
            {
                return error;
            }
            if (generationId != group.GenerationId)
            {
                return ErrorCode.IllegalGeneration;
            }
        }
        else if (!group.IsInState(ClassicGroupState.Empty))
        {
            return ErrorCode.UnknownMemberId;
        }
        // A member that got its JoinGroup response but not yet its assignment must wait for SyncGroup.
        return group.IsInState(ClassicGroupState.CompletingRebalance) ? ErrorCode.RebalanceInProgress : ErrorCode.None;
    }

    /// <summary>
    /// OffsetFetch v0-9: one group (v0-7, null topics = all from v2) or a batch of groups (v8+).
    /// There are no transactional offsets yet, so <c>require_stable</c> changes nothing.
    /// </summary>
    public async ValueTask<OffsetFetchResponse> OffsetFetchAsync(
        OffsetFetchRequest request,
        short version,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = new OffsetFetchResponse();
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (version >= 8)
            {
                foreach (var g in request.Groups)
                {
                    List<(string, List<int>)>? topics = null;
                    if (g.Topics is not null)
                    {
                        topics = new List<(string, List<int>)>(g.Topics.Count);
                        foreach (var t in g.Topics)
                        {
                            topics.Add((t.Name, t.PartitionIndexes));
                        }
                    }
                    response.Groups.Add(FetchGroup(g.GroupId, topics));
                }
                return response;
            }

            List<(string, List<int>)>? single = null;
            if (request.Topics is not null)
            {
                single = new List<(string, List<int>)>(request.Topics.Count);
                foreach (var t in request.Topics)
                {
                    single.Add((t.Name, t.PartitionIndexes));
                }
            }
            var group = FetchGroup(request.GroupId, single);
            response.ErrorCode = group.ErrorCode;
            foreach (var t in group.Topics)
            {
                var topic = new OffsetFetchResponse.OffsetFetchResponseTopic { Name = t.Name };
                foreach (var p in t.Partitions)
                {
                    topic.Partitions.Add(new OffsetFetchResponse.OffsetFetchResponsePartition
                    {
                        PartitionIndex = p.PartitionIndex,
                        CommittedOffset = p.CommittedOffset,
                        CommittedLeaderEpoch = p.CommittedLeaderEpoch,
                        Metadata = p.Metadata,
                        // v0-1 have no top-level error: a group-level error is reported per partition.
                        ErrorCode = version < 2 && group.ErrorCode != 0 ? group.ErrorCode : p.ErrorCode,
                    });
                }
                response.Topics.Add(topic);
            }
            return response;
        }
        finally
        {
            _lock.Release();
        }
    }

    private OffsetFetchResponse.OffsetFetchResponseGroup FetchGroup(string groupId, List<(string Name, List<int> Partitions)>? topics)
    {
        var result = new OffsetFetchResponse.OffsetFetchResponseGroup { GroupId = groupId };
        ErrorCode groupError = ErrorCode.None;
        if (groupId is null)
        {
            groupError = ErrorCode.InvalidGroupId;
        }
        else if (!Owns(groupId))
        {
            groupError = ErrorCode.NotCoordinator;
        }
        if (groupError != ErrorCode.None)
        {
            result.ErrorCode = (short)groupError;
            if (topics is not null)
            {
                // Partition entries still carry the "no offset" sentinel so old clients read something sane.
                foreach (var (name, partitions) in topics)
                {
                    result.Topics.Add(NoOffsets(name, partitions));
                }
            }
            return result;
        }

        _offsets.TryGetValue(groupId!, out var groupOffsets);
        if (topics is null)
        {
            if (groupOffsets is not null)
            {
                foreach (var (topic, partitions) in groupOffsets)
                {
                    var t = new OffsetFetchResponse.OffsetFetchResponseTopics { Name = topic };
                    foreach (var (partition, offset) in partitions)
                    {
                        t.Partitions.Add(Fetched(partition, offset));
                    }
                    result.Topics.Add(t);
                }
            }
            return result;
        }
        foreach (var (name, partitions) in topics)
        {
            var t = new OffsetFetchResponse.OffsetFetchResponseTopics { Name = name };
            foreach (var partition in partitions)
            {
                var offset = GetOffset(groupId!, name, partition);
                t.Partitions.Add(offset is null ? NoOffset(partition) : Fetched(partition, offset));
            }
            result.Topics.Add(t);
        }
        return result;
    }

    private static OffsetFetchResponse.OffsetFetchResponseTopics NoOffsets(string name, List<int> partitions)
    {
        var t = new OffsetFetchResponse.OffsetFetchResponseTopics { Name = name };
        foreach (var partition in partitions)
        {
            t.Partitions.Add(NoOffset(partition));
        }
        return t;
    }

    private static OffsetFetchResponse.OffsetFetchResponsePartitions NoOffset(int partition) => new()
    {
        PartitionIndex = partition,
        CommittedOffset = -1,
        CommittedLeaderEpoch = -1,
        Metadata = "",
    };

    private static OffsetFetchResponse.OffsetFetchResponsePartitions Fetched(int partition, OffsetAndMetadata offset) => new()
    {
        PartitionIndex = partition,
        CommittedOffset = offset.Offset,
        CommittedLeaderEpoch = offset.LeaderEpoch,
        Metadata = offset.Metadata,
    };

    /// <summary>
    /// OffsetDelete v0: drops committed offsets of topics the group does not consume. A non-empty
    /// group must use the "consumer" protocol; its subscribed topics answer GROUP_SUBSCRIBED_TO_TOPIC.
    /// </summary>
    public async ValueTask<OffsetDeleteResponse> OffsetDeleteAsync(
        OffsetDeleteRequest request,
        short version,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.GroupId))
        {
            return new OffsetDeleteResponse { ErrorCode = (short)ErrorCode.InvalidGroupId };
        }
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await OffsetDeleteLockedAsync(request).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    private async ValueTask<OffsetDeleteResponse> OffsetDeleteLockedAsync(OffsetDeleteRequest request)
    {
        var groupId = request.GroupId;
        if (!Owns(groupId))
        {
            return new OffsetDeleteResponse { ErrorCode = (short)ErrorCode.NotCoordinator };
        }
        if (!_groups.TryGetValue(groupId, out var group) || group.IsInState(ClassicGroupState.Dead))
        {
            return new OffsetDeleteResponse { ErrorCode = (short)ErrorCode.GroupIdNotFound };
        }
        if (!group.IsInState(ClassicGroupState.Empty) && group.ProtocolType != "consumer")
        {
            return new OffsetDeleteResponse { ErrorCode = (short)ErrorCode.NonEmptyGroup };
        }
        var response = new OffsetDeleteResponse();
        var records = new List<GroupRecord>();
        var deleted = new List<(string Topic, int Partition)>();
        foreach (var topic in request.Topics)
        {
            var subscribed = group.IsSubscribedToTopic(topic.Name);
            var t = new OffsetDeleteResponse.OffsetDeleteResponseTopic { Name = topic.Name };
            foreach (var p in topic.Partitions)
            {
                t.Partitions.Add(new OffsetDeleteResponse.OffsetDeleteResponsePartition
                {
                    PartitionIndex = p.PartitionIndex,
                    ErrorCode = subscribed ? (short)ErrorCode.GroupSubscribedToTopic : (short)0,
                });
                if (!subscribed && GetOffset(groupId, topic.Name, p.PartitionIndex) is not null)
                {
                    records.Add(GroupRecordSerde.OffsetCommitTombstone(groupId, topic.Name, p.PartitionIndex));
                    deleted.Add((topic.Name, p.PartitionIndex));
                }
            }
            response.Topics.Add(t);
        }
        var error = await AppendAsync(group.Partition, records).ConfigureAwait(false);
        if (error != ErrorCode.None)
        {
            return new OffsetDeleteResponse { ErrorCode = (short)error };
        }
        foreach (var (topic, partition) in deleted)
        {
            RemoveOffset(groupId, topic, partition);
        }
        return response;
    }

    /// <summary>
    /// Expires offsets (<c>offsets.retention.minutes</c>) and then deletes empty groups left without
    /// offsets. Runs every <c>offsets.retention.check.interval.ms</c>; callable directly too.
    /// Returns the number of tombstones written.
    /// </summary>
    public async ValueTask<int> CleanupGroupMetadataAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
        try
        {
            var now = NowMs;
            var byPartition = new Dictionary<int, List<GroupRecord>>();
            var expiredOffsets = new List<(string Group, string Topic, int Partition)>();
            var deadGroups = new List<ClassicGroup>();
            foreach (var group in _groups.Values)
            {
                var records = new List<GroupRecord>();
                var allExpired = CollectExpiredOffsets(group, now, records, expiredOffsets);
                if (allExpired && group.IsInState(ClassicGroupState.Empty))
                {
                    records.Add(GroupRecordSerde.GroupMetadataTombstone(group.GroupId));
                    deadGroups.Add(group);
                }
                if (records.Count > 0)
                {
                    if (!byPartition.TryGetValue(group.Partition, out var list))
                    {
                        byPartition[group.Partition] = list = [];
                    }
                    list.AddRange(records);
                }
            }
            var failed = new HashSet<int>();
            var written = 0;
            foreach (var (partition, records) in byPartition)
            {
                if (await AppendAsync(partition, records).ConfigureAwait(false) == ErrorCode.None)
                {
                    written += records.Count;
                }
                else
                {
                    failed.Add(partition);
                }
            }
            foreach (var (groupId, topic, partition) in expiredOffsets)
            {
                if (!failed.Contains(PartitionFor(groupId)))
                {
                    RemoveOffset(groupId, topic, partition);
                }
            }
            foreach (var group in deadGroups)
            {
                if (!failed.Contains(group.Partition))
                {
                    MarkDead(group, ErrorCode.CoordinatorNotAvailable);
                }
            }
            return written;
        }
        finally
        {
            ReleaseQuietly();
        }
    }

    /// <summary>Adds tombstones for the group's expired offsets; true when none remain.</summary>
    private bool CollectExpiredOffsets(
        ClassicGroup group,
        long now,
        List<GroupRecord> records,
        List<(string Group, string Topic, int Partition)> expired)
    {
        if (!_offsets.TryGetValue(group.GroupId, out var topics))
        {
            return true;
        }
        // Groups with members keep their offsets; an empty group counts from when it became empty,
        // a simple (protocol-less) group from each commit.
        Func<OffsetAndMetadata, long>? baseTimestamp = group.ProtocolType is null
            ? o => o.CommitTimestampMs
            : group.IsInState(ClassicGroupState.Empty)
                ? o => group.CurrentStateTimestampMs ?? o.CommitTimestampMs
                : null;
        if (baseTimestamp is null)
        {
            return false;
        }
        var allExpired = true;
        foreach (var (topic, partitions) in topics)
        {
            if (group.IsSubscribedToTopic(topic))
            {
                allExpired = false;
                continue;
            }
            foreach (var (partition, offset) in partitions)
            {
                var isExpired = offset.ExpireTimestampMs is { } expireAt
                    ? now >= expireAt
                    : now - baseTimestamp(offset) >= _config.OffsetsRetentionMs;
                if (isExpired)
                {
                    records.Add(GroupRecordSerde.OffsetCommitTombstone(group.GroupId, topic, partition));
                    expired.Add((group.GroupId, topic, partition));
                }
                else
                {
                    allExpired = false;
                }
            }
        }
        return allExpired;
    }
}
