using Weir.Broker.Controller;
using Weir.Broker.Dispatch;
using Weir.Broker.Groups;
using Weir.Broker.Metadata;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>
/// Metadata v0–12: brokers, cluster id, controller id, and topics with their partitions (leader,
/// leader epoch, replicas, ISR) and topic ids (v10+). Null topics means all (v1+); unknown topics
/// are auto-created when both the request (v4+) and auto.create.topics.enable allow it. Topics can
/// be asked by id from v12.
/// </summary>
public sealed class MetadataHandler(BrokerRuntime runtime) : ApiHandler<MetadataRequest, MetadataResponse>
{
    public override ApiKey Key => ApiKey.Metadata;

    public override short MinVersion => 0;

    public override short MaxVersion => 12;

    protected override async ValueTask<MetadataResponse?> HandleAsync(RequestContext context, MetadataRequest request, CancellationToken cancellationToken)
    {
        var image = runtime.Metadata.Image;
        var response = new MetadataResponse
        {
            ClusterId = image.ClusterId,
            ControllerId = runtime.Config.NodeId,
            ClusterAuthorizedOperations = int.MinValue,
        };
        foreach (var broker in image.Brokers.Values)
        {
            response.Brokers.Add(new MetadataResponse.MetadataResponseBroker { NodeId = broker.NodeId, Host = broker.Host, Port = broker.Port, Rack = broker.Rack });
        }

        // v0 treats an empty list as "all topics"; v1+ uses null for that.
        var all = request.Topics is null || (context.ApiVersion == 0 && request.Topics.Count == 0);
        if (all)
        {
            foreach (var topic in image.TopicsByName.Values)
            {
                response.Topics.Add(Describe(topic));
            }

            return response;
        }

        var autoCreate = runtime.Config.AutoCreateTopicsEnable && (context.ApiVersion < 4 || request.AllowAutoTopicCreation);
        foreach (var wanted in request.Topics!)
        {
            response.Topics.Add(Lookup(image, wanted, autoCreate) ?? await AutoCreateAsync(wanted.Name!, cancellationToken).ConfigureAwait(false));
        }

        return response;
    }

    /// <summary>The topic as <paramref name="image"/> has it, or null when it is to be auto-created.</summary>
    private MetadataResponse.MetadataResponseTopic? Lookup(MetadataImage image, MetadataRequest.MetadataRequestTopic wanted, bool autoCreate)
    {
        if (wanted.Name is null)
        {
            return image.TopicsById.TryGetValue(wanted.TopicId, out var byId)
                ? Describe(byId)
                : new MetadataResponse.MetadataResponseTopic { TopicId = wanted.TopicId, ErrorCode = (short)ErrorCode.UnknownTopicId };
        }

        if (image.TopicsByName.TryGetValue(wanted.Name, out var topic))
        {
            return Describe(topic);
        }

        if (TopicNames.Validate(wanted.Name) is not null)
        {
            return new MetadataResponse.MetadataResponseTopic { Name = wanted.Name, ErrorCode = (short)ErrorCode.InvalidTopicException };
        }

        return autoCreate ? null : new MetadataResponse.MetadataResponseTopic { Name = wanted.Name, ErrorCode = (short)ErrorCode.UnknownTopicOrPartition };
    }

    private async Task<MetadataResponse.MetadataResponseTopic> AutoCreateAsync(string name, CancellationToken cancellationToken)
    {
        // __consumer_offsets gets its own partition count and configs, and is loaded by the coordinator.
        var error = name == OffsetsTopic.Name
            ? await runtime.OffsetsTopic.EnsureReadyAsync(cancellationToken).ConfigureAwait(false)
            : (await runtime.Controller.AutoCreateTopicAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false)).Error;

        // Committed before the controller answered, and on one node already in this broker's image; on a
        // cluster this broker may not have it yet, and the client asks again (LEADER_NOT_AVAILABLE, as Kafka).
        if (error is ErrorCode.None or ErrorCode.TopicAlreadyExists)
        {
            return runtime.Metadata.Image.TopicsByName.TryGetValue(name, out var topic)
                ? Describe(topic)
                : new MetadataResponse.MetadataResponseTopic { Name = name, ErrorCode = (short)ErrorCode.LeaderNotAvailable };
        }

        return new MetadataResponse.MetadataResponseTopic { Name = name, ErrorCode = (short)error };
    }

    private MetadataResponse.MetadataResponseTopic Describe(TopicImage topic)
    {
        var result = new MetadataResponse.MetadataResponseTopic
        {
            Name = topic.Name,
            TopicId = topic.Id,
            IsInternal = topic.IsInternal,
            TopicAuthorizedOperations = int.MinValue,
        };
        var nodeId = runtime.Config.NodeId;
        foreach (var p in topic.Partitions)
        {
            var partition = new MetadataResponse.MetadataResponsePartition
            {
                PartitionIndex = p.PartitionId,
                LeaderId = p.Leader,
                LeaderEpoch = p.LeaderEpoch,
                ReplicaNodes = [.. p.Replicas],
                IsrNodes = [.. p.Isr],
            };
            if (p.Leader == nodeId && (runtime.Replicas.Get(topic.Name, p.PartitionId) is { IsOffline: true } || runtime.Replicas.OfflineReason(topic.Name, p.PartitionId) is not null))
            {
                // As Kafka once the controller has heard of the failed dir: no leader, this replica offline (also when
                // the log could not be created on applying the committed partition).
                partition.ErrorCode = (short)ErrorCode.LeaderNotAvailable;
                partition.LeaderId = -1;
                partition.OfflineReplicas = [nodeId];
            }

            result.Partitions.Add(partition);
        }

        return result;
    }
}
