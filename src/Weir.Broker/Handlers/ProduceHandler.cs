using Weir.Broker.Dispatch;
using Weir.Broker.Metadata;
using Weir.Broker.Partitions;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>
/// Produce v3–11 (v0 advertised, as Kafka 4.0 does, because librdkafka turns compression off
/// otherwise; v0–2 are refused). acks 0 (no response), 1 and -1 (a single node is the whole ISR),
/// many topics and partitions per request, one v2 batch per partition, LogAppendTime per topic
/// config, idempotent sequence checks. Unknown topics are not auto-created by Produce. Internal
/// topics refuse clients' records (INVALID_TOPIC_EXCEPTION) unless the client id is Kafka's admin one.
/// </summary>
public sealed class ProduceHandler(BrokerRuntime runtime) : ApiHandler<ProduceRequest, ProduceResponse>
{
    public override ApiKey Key => ApiKey.Produce;

    public override short MinVersion => 3;

    public override short MaxVersion => 11;

    public override short AdvertisedMinVersion => 0;

    protected override ValueTask<ProduceResponse?> HandleAsync(RequestContext context, ProduceRequest request, CancellationToken cancellationToken)
    {
        var response = new ProduceResponse();
        var acksValid = request.Acks is -1 or 0 or 1;
        var internalTopicsAllowed = context.ClientId == InternalTopics.AdminClientId;
        foreach (var topic in request.TopicData)
        {
            var topicResponse = new ProduceResponse.TopicProduceResponse { Name = topic.Name };
            response.Responses.Add(topicResponse);
            foreach (var data in topic.PartitionData)
            {
                var outcome = !acksValid
                    ? AppendOutcome.Failed(ErrorCode.InvalidRequiredAcks)
                    : runtime.Replicas.Get(topic.Name, data.Index) is not { } partition
                        ? AppendOutcome.Failed(ErrorCode.UnknownTopicOrPartition)
                        : InternalTopics.IsInternal(topic.Name) && !internalTopicsAllowed
                            ? AppendOutcome.Failed(ErrorCode.InvalidTopicException, $"Cannot append to internal topic {topic.Name}")
                            : PartitionAppender.Append(partition, data.Records, runtime.Time);
                var partitionResponse = new ProduceResponse.PartitionProduceResponse
                {
                    Index = data.Index,
                    ErrorCode = (short)outcome.Error,
                    BaseOffset = outcome.BaseOffset,
                    LogAppendTimeMs = outcome.LogAppendTimeMs,
                    LogStartOffset = outcome.LogStartOffset,
                    ErrorMessage = outcome.Message,
                };
                if (outcome.RecordErrors is { Count: > 0 } recordErrors)
                {
                    foreach (var recordError in recordErrors)
                    {
                        partitionResponse.RecordErrors.Add(new ProduceResponse.BatchIndexAndErrorMessage { BatchIndex = recordError.BatchIndex, BatchIndexErrorMessage = recordError.Message });
                    }
                }

                topicResponse.PartitionResponses.Add(partitionResponse);
            }
        }

        return ValueTask.FromResult(request.Acks == 0 ? null : response);
    }
}
