using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Client.Cluster;

/// <summary>
/// Offset requests consumers and admin clients share: ListOffsets (routed to each partition's
/// leader), OffsetFetch and OffsetCommit (routed to the group coordinator).
/// </summary>
public static class OffsetsApi
{
    /// <summary>ListOffsets timestamp for the log end offset.</summary>
    public const long Latest = -1;

    /// <summary>ListOffsets timestamp for the log start offset.</summary>
    public const long Earliest = -2;

    /// <summary>ListOffsets timestamp for the record with the largest timestamp (KIP-734).</summary>
    public const long MaxTimestamp = -3;

    /// <summary>
    /// Looks up offsets by timestamp (or <see cref="Latest"/>, <see cref="Earliest"/>, <see cref="MaxTimestamp"/>)
    /// for each partition, asking each leader once. Per-partition failures come back as errors, not exceptions;
    /// leadership changes are retried within the request timeout.
    /// </summary>
    public static async Task<IReadOnlyDictionary<TopicPartition, ListedOffset>> ListOffsetsAsync(
        this KafkaCluster cluster,
        IReadOnlyDictionary<TopicPartition, long> timestamps,
        IsolationLevel isolationLevel = IsolationLevel.ReadUncommitted,
        CancellationToken cancellationToken = default)
    {
        var results = new Dictionary<TopicPartition, ListedOffset>(timestamps.Count);
        var pending = new Dictionary<TopicPartition, long>(timestamps);
        var deadline = DateTime.UtcNow + cluster.Options.RequestTimeout;
        while (pending.Count > 0)
        {
            var byLeader = await GroupByLeaderAsync(cluster, pending, results, cancellationToken).ConfigureAwait(false);
            var retry = new Dictionary<TopicPartition, long>();
            var calls = new List<Task<ListOffsetsResponse>>(byLeader.Count);
            foreach (var (leader, partitions) in byLeader)
            {
                calls.Add(ListFromLeaderAsync(cluster, leader, partitions, isolationLevel, cancellationToken));
            }

            for (var i = 0; i < calls.Count; i++)
            {
                ListOffsetsResponse response;
                try
                {
                    response = await calls[i].ConfigureAwait(false);
                }
                catch (KafkaException ex) when (ex.IsRetriable)
                {
                    foreach (var (tp, ts) in byLeader[i].Partitions)
                    {
                        retry[tp] = ts;
                    }

                    continue;
                }

                foreach (var topic in response.Topics)
                {
                    foreach (var p in topic.Partitions)
                    {
                        var tp = new TopicPartition(topic.Name, p.PartitionIndex);
                        var error = (ErrorCode)p.ErrorCode;
                        if (error.IsRetriable() && pending.TryGetValue(tp, out var ts))
                        {
                            retry[tp] = ts;
                            continue;
                        }

                        results[tp] = new ListedOffset(p.Offset, p.Timestamp, p.LeaderEpoch, error);
                    }
                }
            }

            if (retry.Count == 0)
            {
                break;
            }

            if (DateTime.UtcNow > deadline)
            {
                foreach (var tp in retry.Keys)
                {
                    results[tp] = new ListedOffset(-1, -1, -1, ErrorCode.RequestTimedOut);
                }

                break;
            }

            pending = retry;
            await Task.Delay(cluster.Options.RetryBackoff, cancellationToken).ConfigureAwait(false);
            await cluster.RefreshMetadataAsync(TopicsOf(pending.Keys), cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        return results;
    }

    /// <summary>
    /// The group's committed offsets for <paramref name="partitions"/> (null: every partition it has committed).
    /// Partitions without a committed offset are absent from the result.
    /// </summary>
    public static async Task<IReadOnlyDictionary<TopicPartition, OffsetAndMetadata>> FetchCommittedOffsetsAsync(
        this KafkaCluster cluster,
        string groupId,
        IReadOnlyCollection<TopicPartition>? partitions,
        int? coordinatorId = null,
        CancellationToken cancellationToken = default)
    {
        var response = await SendToCoordinatorAsync(
            cluster,
            groupId,
            coordinatorId,
            connection =>
            {
                var version = connection.RequireVersion(ApiKey.OffsetFetch, 7, 1);
                var request = new OffsetFetchRequest { GroupId = groupId, Topics = partitions is null ? null : ToFetchTopics(partitions) };
                if (partitions is null && version < 2)
                {
                    throw new KafkaException(ErrorCode.UnsupportedVersion, "Fetching all of a group's offsets needs OffsetFetch v2 or later");
                }

                return (version, request);
            },
            static (connection, version, request, ct) => connection.SendAsync<OffsetFetchResponse>(ApiKey.OffsetFetch, version, request, ct),
            static response => (ErrorCode)response.ErrorCode,
            cancellationToken).ConfigureAwait(false);

        var result = new Dictionary<TopicPartition, OffsetAndMetadata>();
        foreach (var topic in response.Topics)
        {
            foreach (var p in topic.Partitions)
            {
                KafkaException.ThrowIfError(p.ErrorCode, $"OffsetFetch for group '{groupId}', {topic.Name}-{p.PartitionIndex}");
                if (p.CommittedOffset >= 0)
                {
                    result[new TopicPartition(topic.Name, p.PartitionIndex)] = new OffsetAndMetadata(p.CommittedOffset, p.Metadata, p.CommittedLeaderEpoch);
                }
            }
        }

        return result;
    }

    /// <summary>
    /// Commits offsets for a group. A group member passes its generation and member id; an admin
    /// (or a consumer without group management) passes none, which Kafka accepts only while the
    /// group has no active members. Per-partition errors are returned.
    /// </summary>
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
        var response = await SendToCoordinatorAsync(
            cluster,
            groupId,
            coordinatorId,
            connection =>
            {
                var version = connection.RequireVersion(ApiKey.OffsetCommit, 8, 2);
                var request = new OffsetCommitRequest
                {
                    GroupId = groupId,
                    GenerationIdOrMemberEpoch = generationId,
                    MemberId = memberId,
                    Topics = ToCommitTopics(offsets, version),
                };
                if (version >= 7)
                {
                    request.GroupInstanceId = groupInstanceId;
                }

                return (version, request);
            },
            static (connection, version, request, ct) => connection.SendAsync<OffsetCommitResponse>(ApiKey.OffsetCommit, version, request, ct),
            static response => FirstCoordinatorError(response),
            cancellationToken).ConfigureAwait(false);

        var result = new Dictionary<TopicPartition, ErrorCode>(offsets.Count);
        foreach (var topic in response.Topics)
        {
            foreach (var p in topic.Partitions)
            {
                result[new TopicPartition(topic.Name, p.PartitionIndex)] = (ErrorCode)p.ErrorCode;
            }
        }

        return result;
    }

    /// <summary>Sends to the group's coordinator, finding it again (and retrying) when it moved or is loading.</summary>
    private static async Task<TResponse> SendToCoordinatorAsync<TResponse>(
        KafkaCluster cluster,
        string groupId,
        int? coordinatorId,
        Func<Network.BrokerConnection, (short Version, IKafkaMessage Request)> build,
        Func<Network.BrokerConnection, short, IKafkaMessage, CancellationToken, Task<TResponse>> send,
        Func<TResponse, ErrorCode> coordinatorError,
        CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + cluster.Options.RequestTimeout;
        var nodeId = coordinatorId;
        while (true)
        {
            ErrorCode error;
            try
            {
                nodeId ??= await cluster.FindCoordinatorAsync(groupId, 0, cancellationToken).ConfigureAwait(false);
                var connection = await cluster.GetConnectionAsync(nodeId.Value, ConnectionLane.Coordinator, cancellationToken).ConfigureAwait(false);
                var (version, request) = build(connection);
                var response = await send(connection, version, request, cancellationToken).ConfigureAwait(false);
                error = coordinatorError(response);
                if (error is not (ErrorCode.CoordinatorLoadInProgress or ErrorCode.CoordinatorNotAvailable or ErrorCode.NotCoordinator))
                {
                    KafkaException.ThrowIfError((short)error, $"Group '{groupId}'");
                    return response;
                }
            }
            catch (KafkaException ex) when (ex.ErrorCode == ErrorCode.NetworkException)
            {
                error = ex.ErrorCode;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new KafkaException(error, $"Group '{groupId}': no usable coordinator within {cluster.Options.RequestTimeout.TotalMilliseconds:0} ms");
            }

            if (error != ErrorCode.CoordinatorLoadInProgress)
            {
                nodeId = null;
            }

            await Task.Delay(cluster.Options.RetryBackoff, cancellationToken).ConfigureAwait(false);
        }
    }

    private static ErrorCode FirstCoordinatorError(OffsetCommitResponse response)
    {
        foreach (var topic in response.Topics)
        {
            foreach (var p in topic.Partitions)
            {
                if ((ErrorCode)p.ErrorCode is ErrorCode.CoordinatorLoadInProgress or ErrorCode.CoordinatorNotAvailable or ErrorCode.NotCoordinator)
                {
                    return (ErrorCode)p.ErrorCode;
                }
            }
        }

        return ErrorCode.None;
    }

    private static List<OffsetFetchRequest.OffsetFetchRequestTopic> ToFetchTopics(IReadOnlyCollection<TopicPartition> partitions)
    {
        var byTopic = new Dictionary<string, OffsetFetchRequest.OffsetFetchRequestTopic>(StringComparer.Ordinal);
        foreach (var tp in partitions)
        {
            if (!byTopic.TryGetValue(tp.Topic, out var topic))
            {
                topic = new OffsetFetchRequest.OffsetFetchRequestTopic { Name = tp.Topic, PartitionIndexes = [] };
                byTopic[tp.Topic] = topic;
            }

            topic.PartitionIndexes.Add(tp.Partition);
        }

        return [.. byTopic.Values];
    }

    private static List<OffsetCommitRequest.OffsetCommitRequestTopic> ToCommitTopics(IReadOnlyDictionary<TopicPartition, OffsetAndMetadata> offsets, short version)
    {
        var byTopic = new Dictionary<string, OffsetCommitRequest.OffsetCommitRequestTopic>(StringComparer.Ordinal);
        foreach (var (tp, offset) in offsets)
        {
            if (!byTopic.TryGetValue(tp.Topic, out var topic))
            {
                topic = new OffsetCommitRequest.OffsetCommitRequestTopic { Name = tp.Topic, Partitions = [] };
                byTopic[tp.Topic] = topic;
            }

            var partition = new OffsetCommitRequest.OffsetCommitRequestPartition
            {
                PartitionIndex = tp.Partition,
                CommittedOffset = offset.Offset,
                CommittedMetadata = offset.Metadata ?? "",
            };
            if (version >= 6)
            {
                partition.CommittedLeaderEpoch = offset.LeaderEpoch;
            }

            topic.Partitions.Add(partition);
        }

        return [.. byTopic.Values];
    }

    private static async Task<List<(int Leader, List<(TopicPartition Partition, long Timestamp)> Partitions)>> GroupByLeaderAsync(
        KafkaCluster cluster,
        Dictionary<TopicPartition, long> pending,
        Dictionary<TopicPartition, ListedOffset> results,
        CancellationToken cancellationToken)
    {
        var missing = new List<string>();
        foreach (var tp in pending.Keys)
        {
            if (cluster.Metadata.Topic(tp.Topic) is null && !missing.Contains(tp.Topic))
            {
                missing.Add(tp.Topic);
            }
        }

        if (missing.Count > 0)
        {
            await cluster.RefreshMetadataAsync(missing, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        var byLeader = new Dictionary<int, List<(TopicPartition, long)>>();
        foreach (var (tp, ts) in pending)
        {
            var topic = cluster.Metadata.Topic(tp.Topic);
            if (topic is null || topic.Error != ErrorCode.None)
            {
                results[tp] = new ListedOffset(-1, -1, -1, topic?.Error ?? ErrorCode.UnknownTopicOrPartition);
                continue;
            }

            var partition = topic.Partition(tp.Partition);
            if (partition is null)
            {
                results[tp] = new ListedOffset(-1, -1, -1, ErrorCode.UnknownTopicOrPartition);
                continue;
            }

            if (!byLeader.TryGetValue(partition.Leader, out var list))
            {
                list = [];
                byLeader[partition.Leader] = list;
            }

            list.Add((tp, ts));
        }

        var grouped = new List<(int, List<(TopicPartition, long)>)>(byLeader.Count);
        foreach (var (leader, list) in byLeader)
        {
            grouped.Add((leader, list));
        }

        return grouped;
    }


    private static async Task<ListOffsetsResponse> ListFromLeaderAsync(
        KafkaCluster cluster,
        int leader,
        List<(TopicPartition Partition, long Timestamp)> partitions,
        IsolationLevel isolationLevel,
        CancellationToken cancellationToken)
    {
        if (leader < 0)
        {
            throw new KafkaException(ErrorCode.LeaderNotAvailable, $"No leader for {partitions[0].Partition}");
        }

        var connection = await cluster.GetConnectionAsync(leader, ConnectionLane.Default, cancellationToken).ConfigureAwait(false);
        var needsMaxTimestamp = false;
        foreach (var (_, ts) in partitions)
        {
            needsMaxTimestamp |= ts == MaxTimestamp;
        }

        var version = connection.RequireVersion(ApiKey.ListOffsets, 9, needsMaxTimestamp ? (short)7 : (short)1);
        var request = new ListOffsetsRequest { ReplicaId = -1, Topics = [] };
        if (version >= 2)
        {
            request.IsolationLevel = (sbyte)isolationLevel;
        }

        var byTopic = new Dictionary<string, ListOffsetsRequest.ListOffsetsTopic>(StringComparer.Ordinal);
        foreach (var (tp, ts) in partitions)
        {
            if (!byTopic.TryGetValue(tp.Topic, out var topic))
            {
                topic = new ListOffsetsRequest.ListOffsetsTopic { Name = tp.Topic, Partitions = [] };
                byTopic[tp.Topic] = topic;
                request.Topics.Add(topic);
            }

            topic.Partitions.Add(new ListOffsetsRequest.ListOffsetsPartition { PartitionIndex = tp.Partition, Timestamp = ts });
        }

        return await connection.SendAsync<ListOffsetsResponse>(ApiKey.ListOffsets, version, request, cancellationToken).ConfigureAwait(false);
    }

    private static List<string> TopicsOf(IEnumerable<TopicPartition> partitions)
    {
        var topics = new List<string>();
        foreach (var tp in partitions)
        {
            if (!topics.Contains(tp.Topic))
            {
                topics.Add(tp.Topic);
            }
        }

        return topics;
    }
}
