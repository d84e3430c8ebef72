using Weir.Broker.Dispatch;
using Weir.Protocol;
using Weir.Protocol.Messages;
using Weir.Storage;

namespace Weir.Broker.Handlers;

/// <summary>
/// DescribeLogDirs v0–4 (Kafka's KafkaApis.handleDescribeLogDirsRequest and ReplicaManager.describeLogDirs):
/// every configured log dir with the requested partitions it holds (all of them for a null topic list),
/// each with its bytes on disk; an offline dir answers KAFKA_STORAGE_ERROR. Weir has no future replicas
/// (no alter-replica-log-dirs), so every partition is a current one and its offset lag is 0.
/// </summary>
public sealed class DescribeLogDirsHandler(BrokerRuntime runtime) : ApiHandler<DescribeLogDirsRequest, DescribeLogDirsResponse>
{
    /// <summary>Kafka's DescribeLogDirsResponse.INVALID_OFFSET_LAG: the partition is not hosted here.</summary>
    private const long InvalidOffsetLag = -1;

    public override ApiKey Key => ApiKey.DescribeLogDirs;

    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    protected override ValueTask<DescribeLogDirsResponse?> HandleAsync(RequestContext context, DescribeLogDirsRequest request, CancellationToken cancellationToken)
    {
        HashSet<TopicPartition>? wanted = null;
        if (request.Topics is not null)
        {
            wanted = [];
            foreach (var topic in request.Topics)
            {
                foreach (var index in topic.Partitions)
                {
                    wanted.Add(new TopicPartition(topic.Topic, index));
                }
            }
        }

        var response = new DescribeLogDirsResponse();
        foreach (var dir in runtime.Logs.DescribeLogDirs())
        {
            var result = new DescribeLogDirsResponse.DescribeLogDirsResult { LogDir = dir.LogDir, TotalBytes = dir.TotalBytes, UsableBytes = dir.UsableBytes };
            response.Results.Add(result);
            if (dir.Error is not null)
            {
                result.ErrorCode = (short)ErrorCode.KafkaStorageError;
                continue;
            }

            var byTopic = new Dictionary<string, DescribeLogDirsResponse.DescribeLogDirsTopic>(StringComparer.Ordinal);
            foreach (var log in dir.Logs)
            {
                var tp = log.TopicPartition;
                if (wanted is not null && !wanted.Contains(tp))
                {
                    continue;
                }

                if (!byTopic.TryGetValue(tp.Topic, out var topic))
                {
                    topic = new DescribeLogDirsResponse.DescribeLogDirsTopic { Name = tp.Topic };
                    byTopic.Add(tp.Topic, topic);
                    result.Topics.Add(topic);
                }

                topic.Partitions.Add(new DescribeLogDirsResponse.DescribeLogDirsPartition
                {
                    PartitionIndex = tp.Partition,
                    PartitionSize = log.Size,
                    OffsetLag = runtime.Replicas.Get(tp.Topic, tp.Partition) is null ? InvalidOffsetLag : 0,
                    IsFutureKey = false,
                });
            }
        }

        return ValueTask.FromResult<DescribeLogDirsResponse?>(response);
    }
}
