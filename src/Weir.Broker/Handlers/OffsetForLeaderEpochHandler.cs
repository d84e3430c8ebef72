using Weir.Broker.Dispatch;
using Weir.Broker.Partitions;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>
/// OffsetForLeaderEpoch v0–4: for each partition, the end offset of the requested leader epoch from
/// the leader epoch cache (consumers validating their position after a leader change, ReplicaId
/// -1/-2 from v3) through <see cref="Partition.LastOffsetForLeaderEpoch"/>. The current leader epoch (v2+) is checked first; the answered epoch is sent from v1.
/// </summary>
public sealed class OffsetForLeaderEpochHandler(BrokerRuntime runtime) : ApiHandler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>
{
    public override ApiKey Key => ApiKey.OffsetForLeaderEpoch;

    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    protected override ValueTask<OffsetForLeaderEpochResponse?> HandleAsync(RequestContext context, OffsetForLeaderEpochRequest request, CancellationToken cancellationToken)
    {
        var response = new OffsetForLeaderEpochResponse();
        foreach (var topic in request.Topics)
        {
            var topicResult = new OffsetForLeaderEpochResponse.OffsetForLeaderTopicResult { Topic = topic.Topic };
            response.Topics.Add(topicResult);
            foreach (var wanted in topic.Partitions)
            {
                var answer = new OffsetForLeaderEpochResponse.EpochEndOffset { Partition = wanted.Partition, EndOffset = -1 };
                topicResult.Partitions.Add(answer);
                var partition = runtime.Replicas.Get(topic.Topic, wanted.Partition);
                if (partition is null)
                {
                    answer.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
                    continue;
                }

                var currentLeaderEpoch = context.ApiVersion >= 2 ? wanted.CurrentLeaderEpoch : -1;
                // Only the leader answers, whoever asks (Kafka's fetchOnlyFromLeader = true).
                var (error, epoch, endOffset) = partition.LastOffsetForLeaderEpoch(currentLeaderEpoch, wanted.LeaderEpoch, fetchOnlyFromLeader: true);
                answer.ErrorCode = (short)error;
                answer.EndOffset = endOffset;
                if (context.ApiVersion >= 1)
                {
                    answer.LeaderEpoch = epoch;
                }
            }
        }

        return ValueTask.FromResult<OffsetForLeaderEpochResponse?>(response);
    }
}
