using Weir.Client.Cluster;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Client.Admin;

public sealed partial class KafkaAdminClient
{
    /// <summary>Cluster id, active controller and brokers (DescribeCluster; Metadata on brokers without it).</summary>
    public async Task<ClusterDescription> DescribeClusterAsync(CancellationToken cancellationToken = default)
    {
        var connection = await _cluster.GetAnyConnectionAsync(cancellationToken).ConfigureAwait(false);
        var version = connection.Version(ApiKey.DescribeCluster, 1);
        if (version >= 0)
        {
            var request = new DescribeClusterRequest();
            if (version >= 1)
            {
                request.EndpointType = 1; // brokers
            }

            var response = await connection.SendAsync<DescribeClusterResponse>(ApiKey.DescribeCluster, version, request, cancellationToken).ConfigureAwait(false);
            KafkaException.ThrowIfError(response.ErrorCode, "DescribeCluster", response.ErrorMessage);
            var brokers = new List<BrokerNode>(response.Brokers.Count);
            foreach (var broker in response.Brokers)
            {
                brokers.Add(new BrokerNode(broker.BrokerId, broker.Host, broker.Port, broker.Rack));
            }

            brokers.Sort(static (a, b) => a.Id.CompareTo(b.Id));
            return new ClusterDescription(response.ClusterId, response.ControllerId, brokers);
        }

        var metadata = await _cluster.RefreshMetadataAsync([], cancellationToken: cancellationToken).ConfigureAwait(false);
        var nodes = new List<BrokerNode>(metadata.Brokers.Count);
        foreach (var (id, address) in metadata.Brokers)
        {
            nodes.Add(new BrokerNode(id, address.Host, address.Port, null));
        }

        nodes.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        return new ClusterDescription(metadata.ClusterId, metadata.ControllerId, nodes);
    }

    /// <summary>
    /// Offsets by timestamp per partition: <see cref="OffsetsApi.Latest"/> (-1), <see cref="OffsetsApi.Earliest"/> (-2),
    /// <see cref="OffsetsApi.MaxTimestamp"/> (-3) or a time in ms. Asked of each leader; per-partition errors are returned.
    /// </summary>
    public Task<IReadOnlyDictionary<TopicPartition, ListedOffset>> ListOffsetsAsync(
        IReadOnlyDictionary<TopicPartition, long> timestamps,
        IsolationLevel isolationLevel = IsolationLevel.ReadUncommitted,
        CancellationToken cancellationToken = default) =>
        _cluster.ListOffsetsAsync(timestamps, isolationLevel, cancellationToken);

    /// <summary>
    /// Deletes records before the given offsets (-1: the high watermark) by moving each partition's log
    /// start offset, asking each leader. Returns each partition's new low watermark or its error.
    /// </summary>
    public async Task<IReadOnlyDictionary<TopicPartition, DeletedRecords>> DeleteRecordsAsync(IReadOnlyDictionary<TopicPartition, long> beforeOffsets, CancellationToken cancellationToken = default)
    {
        return await RetryPerItemAsync<TopicPartition, DeletedRecords>(
            [.. beforeOffsets.Keys],
            async (pending, refresh, ct) =>
            {
                var topics = new HashSet<string>(StringComparer.Ordinal);
                foreach (var tp in pending)
                {
                    topics.Add(tp.Topic);
                }

                var metadata = _cluster.Metadata;
                var missing = false;
                foreach (var topic in topics)
                {
                    missing |= metadata.Topic(topic) is null;
                }

                if (refresh || missing)
                {
                    metadata = await _cluster.RefreshMetadataAsync(topics, cancellationToken: ct).ConfigureAwait(false);
                }

                var answer = new Dictionary<TopicPartition, DeletedRecords>();
                var byLeader = new Dictionary<int, DeleteRecordsRequest>();
                foreach (var tp in pending)
                {
                    var topic = metadata.Topic(tp.Topic);
                    var partition = topic?.Partition(tp.Partition);
                    if (topic is null || topic.Error != ErrorCode.None || partition is null)
                    {
                        answer[tp] = new DeletedRecords(-1, topic is { Error: not ErrorCode.None } ? topic.Error : ErrorCode.UnknownTopicOrPartition);
                        continue;
                    }

                    if (partition.Leader < 0)
                    {
                        answer[tp] = new DeletedRecords(-1, ErrorCode.LeaderNotAvailable);
                        continue;
                    }

                    if (!byLeader.TryGetValue(partition.Leader, out var request))
                    {
                        request = new DeleteRecordsRequest { TimeoutMs = TimeoutMs };
                        byLeader[partition.Leader] = request;
                    }

                    var entry = request.Topics.Find(t => t.Name == tp.Topic);
                    if (entry is null)
                    {
                        entry = new DeleteRecordsRequest.DeleteRecordsTopic { Name = tp.Topic };
                        request.Topics.Add(entry);
                    }

                    entry.Partitions.Add(new DeleteRecordsRequest.DeleteRecordsPartition { PartitionIndex = tp.Partition, Offset = beforeOffsets[tp] });
                }

                foreach (var (leader, request) in byLeader)
                {
                    DeleteRecordsResponse response;
                    try
                    {
                        var connection = await _cluster.GetConnectionAsync(leader, ConnectionLane.Default, ct).ConfigureAwait(false);
                        var version = connection.RequireVersion(ApiKey.DeleteRecords, 2);
                        response = await connection.SendAsync<DeleteRecordsResponse>(ApiKey.DeleteRecords, version, request, ct).ConfigureAwait(false);
                    }
                    catch (KafkaException ex) when (IsTransient(ex.ErrorCode))
                    {
                        foreach (var topic in request.Topics)
                        {
                            foreach (var p in topic.Partitions)
                            {
                                answer[new TopicPartition(topic.Name, p.PartitionIndex)] = new DeletedRecords(-1, ex.ErrorCode);
                            }
                        }

                        continue;
                    }

                    foreach (var topic in response.Topics)
                    {
                        foreach (var p in topic.Partitions)
                        {
                            answer[new TopicPartition(topic.Name, p.PartitionIndex)] = new DeletedRecords(p.LowWatermark, (ErrorCode)p.ErrorCode);
                        }
                    }
                }

                return answer;
            },
            static r => r.Error,
            static (error, _) => new DeletedRecords(-1, error),
            cancellationToken).ConfigureAwait(false);
    }
}
