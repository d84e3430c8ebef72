using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Client.Cluster;

/// <summary>ListOffsets, OffsetFetch and OffsetCommit, shared by the consumer, admin client and tools.</summary>
public static class OffsetsApi
{
    /// <summary>ListOffsets for each partition's timestamp (-1 latest, -2 earliest, -3 max timestamp), sent to each leader.</summary>
    public static async Task<IReadOnlyDictionary<TopicPartition, ListedOffset>> ListOffsetsAsync(
        this KafkaCluster cluster,
        IReadOnlyDictionary<TopicPartition, long> timestamps,
        IsolationLevel isolationLevel = IsolationLevel.ReadUncommitted,
        CancellationToken cancellationToken = default)
    {
        var result = new Dictionary<TopicPartition, ListedOffset>(timestamps.Count);
        var byLeader = new Dictionary<int, List<KeyValuePair<TopicPartition, long>>>();
        foreach (var entry in timestamps)
        {
            var topic = await cluster.GetTopicAsync(entry.Key.Topic, false, cancellationToken).ConfigureAwait(false);
            var leader = entry.Key.Partition < topic.Partitions.Count ? topic.Partitions[entry.Key.Partition].Leader : -1;
            if (leader < 0)
            {
                result[entry.Key] = new ListedOffset(-1, -1, -1, entry.Key.Partition < topic.Partitions.Count ? ErrorCode.LeaderNotAvailable : ErrorCode.UnknownTopicOrPartition);
                continue;
            }

            if (!byLeader.TryGetValue(leader, out var list))
            {
                byLeader[leader] = list = [];
            }

            list.Add(entry);
        }

        foreach (var (leader, entries) in byLeader)
        {
            var connection = await cluster.GetConnectionAsync(leader, ConnectionLane.Default, cancellationToken).ConfigureAwait(false);
            var version = connection.RequireVersion(ApiKey.ListOffsets, 7, 1);
            var request = new ListOffsetsRequest { ReplicaId = -1, Topics = [] };
            if (version >= 2)
            {
                request.IsolationLevel = (sbyte)isolationLevel;
            }

            var topics = new Dictionary<string, ListOffsetsRequest.ListOffsetsTopic>(StringComparer.Ordinal);
            foreach (var (tp, timestamp) in entries)
            {
                if (!topics.TryGetValue(tp.Topic, out var t))
                {
                    topics[tp.Topic] = t = new ListOffsetsRequest.ListOffsetsTopic { Name = tp.Topic, Partitions = [] };
                    request.Topics.Add(t);
                }

                t.Partitions.Add(new ListOffsetsRequest.ListOffsetsPartition { PartitionIndex = tp.Partition, Timestamp = timestamp });
            }

            var response = await connection.SendAsync<ListOffsetsResponse>(ApiKey.ListOffsets, version, request, cancellationToken).ConfigureAwait(false);
            foreach (var topic in response.Topics)
            {
                foreach (var p in topic.Partitions)
                {
                    result[new TopicPartition(topic.Name, p.PartitionIndex)] = new ListedOffset(p.Offset, p.Timestamp, p.LeaderEpoch, (ErrorCode)p.ErrorCode);
                }
            }
        }

        return result;
    }

    /// <summary>The group's committed offsets for <paramref name="partitions"/> (null: all); partitions without a commit are absent.</summary>
    public static async Task<IReadOnlyDictionary<TopicPartition, OffsetAndMetadata>> FetchCommittedOffsetsAsync(
        this KafkaCluster cluster,
        string groupId,
        IReadOnlyCollection<TopicPartition>? partitions,
        int? coordinatorId = null,
        CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + cluster.Options.RequestTimeout;
        while (true)
        {
            var node = coordinatorId ?? await cluster.FindCoordinatorAsync(groupId, 0, cancellationToken).ConfigureAwait(false);
            var connection = await cluster.GetConnectionAsync(node, ConnectionLane.Coordinator, cancellationToken).ConfigureAwait(false);
            var version = connection.RequireVersion(ApiKey.OffsetFetch, 7, 1);
            var request = new OffsetFetchRequest { GroupId = groupId };
            if (partitions is not null)
            {
                var topics = new Dictionary<string, OffsetFetchRequest.OffsetFetchRequestTopic>(StringComparer.Ordinal);
                request.Topics = [];
                foreach (var tp in partitions)
                {
                    if (!topics.TryGetValue(tp.Topic, out var t))
                    {
                        topics[tp.Topic] = t = new OffsetFetchRequest.OffsetFetchRequestTopic { Name = tp.Topic, PartitionIndexes = [] };
                        request.Topics.Add(t);
                    }

                    t.PartitionIndexes.Add(tp.Partition);
                }
            }
            else if (version < 2)
            {
                throw new KafkaException(ErrorCode.UnsupportedVersion, "OffsetFetch for all partitions needs version 2");
            }
            else
            {
                request.Topics = null;
            }

            var response = await connection.SendAsync<OffsetFetchResponse>(ApiKey.OffsetFetch, version, request, cancellationToken).ConfigureAwait(false);
            var error = (ErrorCode)response.ErrorCode;
            if (error is ErrorCode.CoordinatorLoadInProgress or ErrorCode.NotCoordinator or ErrorCode.CoordinatorNotAvailable && DateTime.UtcNow < deadline)
            {
                coordinatorId = null;
                await Task.Delay(cluster.Options.RetryBackoff, cancellationToken).ConfigureAwait(false);
                continue;
            }

            KafkaException.ThrowIfError(response.ErrorCode, $"OffsetFetch for group '{groupId}'");
            var result = new Dictionary<TopicPartition, OffsetAndMetadata>();
            foreach (var topic in response.Topics)
            {
                foreach (var p in topic.Partitions)
                {
                    KafkaException.ThrowIfError(p.ErrorCode, $"OffsetFetch for {topic.Name}-{p.PartitionIndex}");
                    if (p.CommittedOffset >= 0)
                    {
                        result[new TopicPartition(topic.Name, p.PartitionIndex)] =
                            new OffsetAndMetadata(p.CommittedOffset, p.Metadata, p.CommittedLeaderEpoch >= 0 ? p.CommittedLeaderEpoch : null);
                    }
                }
            }

            return result;
        }
    }

    /// <summary>OffsetCommit; per-partition error codes are returned, not thrown.</summary>
    public static async Task<IReadOnlyDictionary<TopicPartition, ErrorCode>> CommitOffsetsAsync(
        this KafkaCluster cluster,
        string groupId,
        IReadOnlyDictionary<TopicPartition, OffsetAndMetadata> offsets,
        int generationId = -1,
        string memberId = "",
        string? groupInstanceId = null,
        int? coordinatorId = null,
        CancellationToken cancellationToken = default)
    {
        var node = coordinatorId ?? await cluster.FindCoordinatorAsync(groupId, 0, cancellationToken).ConfigureAwait(false);
        var connection = await cluster.GetConnectionAsync(node, ConnectionLane.Coordinator, cancellationToken).ConfigureAwait(false);
        var version = connection.RequireVersion(ApiKey.OffsetCommit, 8, 2);
        var request = new OffsetCommitRequest { GroupId = groupId, GenerationIdOrMemberEpoch = generationId, MemberId = memberId, Topics = [] };
        if (version >= 7)
        {
            request.GroupInstanceId = groupInstanceId;
        }

        var topics = new Dictionary<string, OffsetCommitRequest.OffsetCommitRequestTopic>(StringComparer.Ordinal);
        foreach (var (tp, offset) in offsets)
        {
            if (!topics.TryGetValue(tp.Topic, out var t))
            {
                topics[tp.Topic] = t = new OffsetCommitRequest.OffsetCommitRequestTopic { Name = tp.Topic, Partitions = [] };
                request.Topics.Add(t);
            }

            var p = new OffsetCommitRequest.OffsetCommitRequestPartition { PartitionIndex = tp.Partition, CommittedOffset = offset.Offset, CommittedMetadata = offset.Metadata ?? string.Empty };
            if (version >= 6 && offset.LeaderEpoch is { } epoch)
            {
                p.CommittedLeaderEpoch = epoch;
            }

            t.Partitions.Add(p);
        }

        var response = await connection.SendAsync<OffsetCommitResponse>(ApiKey.OffsetCommit, version, request, cancellationToken).ConfigureAwait(false);
        var result = new Dictionary<TopicPartition, ErrorCode>();
        foreach (var topic in response.Topics)
        {
            foreach (var p in topic.Partitions)
            {
                result[new TopicPartition(topic.Name, p.PartitionIndex)] = (ErrorCode)p.ErrorCode;
            }
        }

        return result;
    }
}
