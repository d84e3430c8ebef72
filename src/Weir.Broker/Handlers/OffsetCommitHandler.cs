using Weir.Broker.Dispatch;
using Weir.Broker.Metadata;
using Weir.Coordinator.Group;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>
/// OffsetCommit v0–9: group members' and standalone (simple consumer) commits, stored in
/// __consumer_offsets. As in Kafka, partitions of topics the cluster does not have are answered
/// UNKNOWN_TOPIC_OR_PARTITION here and never reach the coordinator.
/// </summary>
public sealed class OffsetCommitHandler(BrokerRuntime runtime, GroupCoordinator groups) : ApiHandler<OffsetCommitRequest, OffsetCommitResponse>
{
    public override ApiKey Key => ApiKey.OffsetCommit;

    public override short MinVersion => 0;

    public override short MaxVersion => 9;

    protected override async ValueTask<OffsetCommitResponse?> HandleAsync(RequestContext context, OffsetCommitRequest request, CancellationToken cancellationToken)
    {
        var unknown = SplitUnknown(request);
        if (unknown is null)
        {
            return await groups.OffsetCommitAsync(request, context.ApiVersion, cancellationToken).ConfigureAwait(false);
        }

        var response = request.Topics.Count == 0
            ? new OffsetCommitResponse()
            : await groups.OffsetCommitAsync(request, context.ApiVersion, cancellationToken).ConfigureAwait(false);
        response.Topics.AddRange(unknown);
        return response;
    }

    /// <summary>Removes partitions the cluster does not have from the request; returns their errors, or null when there are none.</summary>
    private List<OffsetCommitResponse.OffsetCommitResponseTopic>? SplitUnknown(OffsetCommitRequest request)
    {
        var topics = runtime.Metadata.Image.TopicsByName;
        if (request.Topics.TrueForAll(t => t.Partitions.TrueForAll(p => Exists(topics, t.Name, p.PartitionIndex))))
        {
            return null;
        }

        var unknown = new List<OffsetCommitResponse.OffsetCommitResponseTopic>();
        var known = new List<OffsetCommitRequest.OffsetCommitRequestTopic>();
        foreach (var topic in request.Topics)
        {
            var errors = new OffsetCommitResponse.OffsetCommitResponseTopic { Name = topic.Name };
            var kept = new List<OffsetCommitRequest.OffsetCommitRequestPartition>();
            foreach (var partition in topic.Partitions)
            {
                if (Exists(topics, topic.Name, partition.PartitionIndex))
                {
                    kept.Add(partition);
                }
                else
                {
                    errors.Partitions.Add(new OffsetCommitResponse.OffsetCommitResponsePartition
                    {
                        PartitionIndex = partition.PartitionIndex,
                        ErrorCode = (short)ErrorCode.UnknownTopicOrPartition,
                    });
                }
            }

            if (errors.Partitions.Count > 0)
            {
                unknown.Add(errors);
            }

            if (kept.Count > 0)
            {
                topic.Partitions = kept;
                known.Add(topic);
            }
        }

        request.Topics = known;
        return unknown;
    }

    private static bool Exists(IReadOnlyDictionary<string, TopicImage> topics, string topic, int partition) =>
        topics.TryGetValue(topic, out var image) && partition >= 0 && partition < image.Partitions.Length;
}
