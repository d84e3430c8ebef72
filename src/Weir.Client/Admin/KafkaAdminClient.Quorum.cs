using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Client.Admin;

public sealed partial class KafkaAdminClient
{
    private const string MetadataTopic = "__cluster_metadata";

    /// <summary>
    /// The metadata quorum (DescribeQuorum for <c>__cluster_metadata-0</c>, asked of any broker, as Kafka's admin
    /// client does through a broker). Top-level and partition errors throw <see cref="KafkaException"/>.
    /// </summary>
    public async Task<QuorumInfo> DescribeMetadataQuorumAsync(CancellationToken cancellationToken = default)
    {
        var connection = await _cluster.GetAnyConnectionAsync(cancellationToken).ConfigureAwait(false);
        var version = connection.RequireVersion(ApiKey.DescribeQuorum, 2);
        var request = new DescribeQuorumRequest();
        request.Topics.Add(new DescribeQuorumRequest.TopicData
        {
            TopicName = MetadataTopic,
            Partitions = [new DescribeQuorumRequest.PartitionData { PartitionIndex = 0 }],
        });
        var response = await connection.SendAsync<DescribeQuorumResponse>(ApiKey.DescribeQuorum, version, request, cancellationToken).ConfigureAwait(false);
        KafkaException.ThrowIfError(response.ErrorCode, "DescribeQuorum", response.ErrorMessage);
        if (response.Topics.Count != 1 || response.Topics[0].TopicName != MetadataTopic || response.Topics[0].Partitions.Count != 1)
        {
            throw new KafkaException(ErrorCode.UnknownServerError, $"DescribeQuorum answered for {response.Topics.Count} topics instead of {MetadataTopic}-0.");
        }

        var partition = response.Topics[0].Partitions[0];
        KafkaException.ThrowIfError(partition.ErrorCode, "DescribeQuorum", partition.ErrorMessage);
        var nodes = new Dictionary<int, IReadOnlyList<RaftVoterEndpoint>>();
        foreach (var node in response.Nodes)
        {
            var endpoints = new List<RaftVoterEndpoint>(node.Listeners.Count);
            foreach (var listener in node.Listeners)
            {
                endpoints.Add(new RaftVoterEndpoint(listener.Name, listener.Host, listener.Port));
            }

            nodes[node.NodeId] = endpoints;
        }

        return new QuorumInfo(partition.LeaderId, partition.LeaderEpoch, partition.HighWatermark, Replicas(partition.CurrentVoters, version), Replicas(partition.Observers, version), nodes);
    }

    private static List<QuorumReplicaState> Replicas(List<DescribeQuorumResponse.ReplicaState> states, short version)
    {
        var replicas = new List<QuorumReplicaState>(states.Count);
        foreach (var s in states)
        {
            // -1 means unknown; v0 carries no timestamps at all.
            long? lastFetch = version >= 1 && s.LastFetchTimestamp >= 0 ? s.LastFetchTimestamp : null;
            long? lastCaughtUp = version >= 1 && s.LastCaughtUpTimestamp >= 0 ? s.LastCaughtUpTimestamp : null;
            replicas.Add(new QuorumReplicaState(s.ReplicaId, s.ReplicaDirectoryId, s.LogEndOffset, lastFetch, lastCaughtUp));
        }

        return replicas;
    }
}
