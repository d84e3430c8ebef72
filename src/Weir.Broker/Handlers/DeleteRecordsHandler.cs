using Weir.Broker.Dispatch;
using Weir.Broker.Metadata;
using Weir.Broker.Partitions;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>
/// DeleteRecords v0–2: moves each partition's log start offset up to the given offset (-1 = the
/// high watermark) and answers with the new low watermark, through <see cref="Partition.DeleteRecordsOnLeader"/>
/// (NOT_LEADER_OR_FOLLOWER on a follower). Followers' log start offsets are not waited for, so the
/// request's timeout never applies. Internal topics refuse
/// (INVALID_TOPIC_EXCEPTION), as in Kafka.
/// </summary>
public sealed class DeleteRecordsHandler(BrokerRuntime runtime) : ApiHandler<DeleteRecordsRequest, DeleteRecordsResponse>
{
    public override ApiKey Key => ApiKey.DeleteRecords;

    public override short MinVersion => 0;

    public override short MaxVersion => 2;

    protected override ValueTask<DeleteRecordsResponse?> HandleAsync(RequestContext context, DeleteRecordsRequest request, CancellationToken cancellationToken)
    {
        var response = new DeleteRecordsResponse();
        foreach (var topic in request.Topics)
        {
            var topicResult = new DeleteRecordsResponse.DeleteRecordsTopicResult { Name = topic.Name };
            response.Topics.Add(topicResult);
            foreach (var wanted in topic.Partitions)
            {
                var partition = runtime.Replicas.Get(topic.Name, wanted.PartitionIndex);
                var (error, lowWatermark) = partition is null
                    ? (ErrorCode.UnknownTopicOrPartition, -1L)
                    : InternalTopics.IsInternal(topic.Name)
                        ? (ErrorCode.InvalidTopicException, -1L) // Kafka: "Cannot delete records of internal topic"
                        : partition.DeleteRecordsOnLeader(wanted.Offset);
                topicResult.Partitions.Add(new DeleteRecordsResponse.DeleteRecordsPartitionResult
                {
                    PartitionIndex = wanted.PartitionIndex,
                    ErrorCode = (short)error,
                    LowWatermark = lowWatermark,
                });
            }
        }

        return ValueTask.FromResult<DeleteRecordsResponse?>(response);
    }
}
