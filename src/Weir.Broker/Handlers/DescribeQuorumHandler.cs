using Weir.Broker.Dispatch;
using Weir.Broker.Metadata;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>
/// DescribeQuorum v0–2 for <c>__cluster_metadata-0</c>, answered from the metadata quorum this node hosts
/// (Kafka's broker forwards it to the controller's raft client; here the quorum is local). A request for
/// anything but exactly that one partition gets UNKNOWN_TOPIC_OR_PARTITION on each partition it named;
/// a node that does not lead the quorum answers NOT_LEADER_OR_FOLLOWER. v2 adds the voters' endpoints.
/// </summary>
public sealed class DescribeQuorumHandler(BrokerRuntime runtime) : ApiHandler<DescribeQuorumRequest, DescribeQuorumResponse>
{
    public override ApiKey Key => ApiKey.DescribeQuorum;

    public override short MinVersion => 0;

    public override short MaxVersion => 2;

    protected override ValueTask<DescribeQuorumResponse?> HandleAsync(RequestContext context, DescribeQuorumRequest request, CancellationToken cancellationToken)
    {
        if (!NamesOnlyTheMetadataPartition(request))
        {
            return ValueTask.FromResult<DescribeQuorumResponse?>(PartitionErrors(request, ErrorCode.UnknownTopicOrPartition));
        }

        var quorum = runtime.QuorumStatus.Describe();
        var partition = new DescribeQuorumResponse.PartitionData { PartitionIndex = MetadataLog.Partition.Partition };
        if (quorum is null)
        {
            partition.ErrorCode = (short)ErrorCode.NotLeaderOrFollower;
            partition.LeaderId = -1;
            partition.LeaderEpoch = -1;
            partition.HighWatermark = -1;
        }
        else
        {
            partition.LeaderId = quorum.LeaderId;
            partition.LeaderEpoch = quorum.LeaderEpoch;
            partition.HighWatermark = quorum.HighWatermark;
            AddReplicas(partition.CurrentVoters, quorum.Voters);
            AddReplicas(partition.Observers, quorum.Observers);
        }

        var response = new DescribeQuorumResponse();
        response.Topics.Add(new DescribeQuorumResponse.TopicData { TopicName = MetadataLog.Partition.Topic, Partitions = [partition] });
        if (quorum is not null && context.ApiVersion >= 2)
        {
            AddVoterNodes(response, quorum);
        }

        return ValueTask.FromResult<DescribeQuorumResponse?>(response);
    }

    private static bool NamesOnlyTheMetadataPartition(DescribeQuorumRequest request) =>
        request.Topics.Count == 1
        && request.Topics[0].TopicName == MetadataLog.Partition.Topic
        && request.Topics[0].Partitions.Count == 1
        && request.Topics[0].Partitions[0].PartitionIndex == MetadataLog.Partition.Partition;

    private static DescribeQuorumResponse PartitionErrors(DescribeQuorumRequest request, ErrorCode error)
    {
        var response = new DescribeQuorumResponse();
        foreach (var topic in request.Topics)
        {
            var data = new DescribeQuorumResponse.TopicData { TopicName = topic.TopicName };
            foreach (var p in topic.Partitions)
            {
                data.Partitions.Add(new DescribeQuorumResponse.PartitionData
                {
                    PartitionIndex = p.PartitionIndex,
                    ErrorCode = (short)error,
                    LeaderId = -1,
                    LeaderEpoch = -1,
                    HighWatermark = -1,
                });
            }

            response.Topics.Add(data);
        }

        return response;
    }

    private static void AddReplicas(List<DescribeQuorumResponse.ReplicaState> target, IReadOnlyList<QuorumReplicaDescription> replicas)
    {
        foreach (var r in replicas)
        {
            target.Add(new DescribeQuorumResponse.ReplicaState
            {
                ReplicaId = r.ReplicaId,
                ReplicaDirectoryId = r.DirectoryId,
                LogEndOffset = r.LogEndOffset,
                LastFetchTimestamp = r.LastFetchTimestamp,
                LastCaughtUpTimestamp = r.LastCaughtUpTimestamp,
            });
        }
    }

    /// <summary>
    /// The only voter is this node, reached at its controller endpoint. An endpoint bound to port 0 is
    /// reported with the port the broker registered (the one it is listening on).
    /// </summary>
    private void AddVoterNodes(DescribeQuorumResponse response, QuorumDescription quorum)
    {
        var endpoint = runtime.Config.ControllerEndpoint;
        foreach (var voter in quorum.Voters)
        {
            if (voter.ReplicaId != runtime.Config.NodeId || endpoint is null)
            {
                continue;
            }

            var port = endpoint.Port;
            if (port == 0 && runtime.Metadata.Image.Brokers.TryGetValue(voter.ReplicaId, out var broker))
            {
                port = broker.Port;
            }

            var node = new DescribeQuorumResponse.Node { NodeId = voter.ReplicaId };
            node.Listeners.Add(new DescribeQuorumResponse.Listener { Name = endpoint.Name, Host = endpoint.Host, Port = (ushort)port });
            response.Nodes.Add(node);
        }
    }
}
