using Weir.Broker.Dispatch;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>
/// DescribeProducers v0: the idempotent producers each partition remembers (id, epoch, last
/// sequence and batch timestamp). Transactions are not supported, so no producer has an open one.
/// </summary>
public sealed class DescribeProducersHandler(BrokerRuntime runtime) : ApiHandler<DescribeProducersRequest, DescribeProducersResponse>
{
    public override ApiKey Key => ApiKey.DescribeProducers;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected override ValueTask<DescribeProducersResponse?> HandleAsync(RequestContext context, DescribeProducersRequest request, CancellationToken cancellationToken)
    {
        var response = new DescribeProducersResponse();
        foreach (var topic in request.Topics)
        {
            var topicResponse = new DescribeProducersResponse.TopicResponse { Name = topic.Name };
            response.Topics.Add(topicResponse);
            foreach (var index in topic.PartitionIndexes)
            {
                var answer = new DescribeProducersResponse.PartitionResponse { PartitionIndex = index };
                topicResponse.Partitions.Add(answer);
                var partition = runtime.Replicas.Get(topic.Name, index);
                if (partition is null)
                {
                    answer.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
                    continue;
                }

                foreach (var producer in partition.SnapshotProducers())
                {
                    answer.ActiveProducers.Add(new DescribeProducersResponse.ProducerState
                    {
                        ProducerId = producer.ProducerId,
                        ProducerEpoch = producer.Epoch,
                        LastSequence = producer.LastSequence,
                        LastTimestamp = producer.LastTimestamp,
                        CoordinatorEpoch = -1,
                        CurrentTxnStartOffset = -1,
                    });
                }
            }
        }

        return ValueTask.FromResult<DescribeProducersResponse?>(response);
    }
}
