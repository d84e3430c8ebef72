using Weir.Broker.Dispatch;
using Weir.Broker.Metadata;
using Weir.Broker.Partitions;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>
/// Produce v3–11 (v0 advertised, as Kafka 4.0 does, because librdkafka turns compression off
/// otherwise; v0–2 are refused). acks 0 (no response), 1 and -1, many topics and partitions per
/// request, one v2 batch per partition appended through <see cref="Partition.AppendAsLeader"/>.
/// acks=-1 answers once every partition's high watermark passed its batch, or at the request timeout
/// (<see cref="DelayedProduce"/>; at once on a single node, whose ISR is itself). A partition this
/// broker does not lead answers NOT_LEADER_OR_FOLLOWER with KIP-951's current leader and its endpoint
/// (v10+). Unknown topics are not auto-created by Produce. Internal topics refuse clients' records
/// (INVALID_TOPIC_EXCEPTION) unless the client id is Kafka's admin one.
/// </summary>
public sealed class ProduceHandler(BrokerRuntime runtime) : ApiHandler<ProduceRequest, ProduceResponse>
{
    private const short CurrentLeaderVersion = 10;

    public override ApiKey Key => ApiKey.Produce;

    public override short MinVersion => 3;

    public override short MaxVersion => 11;

    public override short AdvertisedMinVersion => 0;

    protected override ValueTask<ProduceResponse?> HandleAsync(RequestContext context, ProduceRequest request, CancellationToken cancellationToken)
    {
        var response = new ProduceResponse();
        var acksValid = request.Acks is -1 or 0 or 1;
        var internalTopicsAllowed = context.ClientId == InternalTopics.AdminClientId;
        var image = runtime.Metadata.Image;
        var nodeId = runtime.Config.NodeId;
        DelayedProduce? delayed = null;
        List<ProduceResponse.PartitionProduceResponse>? waiting = null;
        foreach (var topic in request.TopicData)
        {
            var topicResponse = new ProduceResponse.TopicProduceResponse { Name = topic.Name };
            response.Responses.Add(topicResponse);
            foreach (var data in topic.PartitionData)
            {
                var partition = acksValid ? runtime.Replicas.Get(topic.Name, data.Index) : null;
                var elsewhere = partition is null && acksValid ? CurrentLeaders.LedElsewhere(image, topic.Name, data.Index, nodeId) : null;
                var outcome = !acksValid
                    ? AppendOutcome.Failed(ErrorCode.InvalidRequiredAcks)
                    : partition is null
                        ? AppendOutcome.Failed(elsewhere is null ? runtime.Replicas.NotHostedError(topic.Name, data.Index) : ErrorCode.NotLeaderOrFollower)
                        : InternalTopics.IsInternal(topic.Name) && !internalTopicsAllowed
                            ? AppendOutcome.Failed(ErrorCode.InvalidTopicException, $"Cannot append to internal topic {topic.Name}")
                            : partition.AppendAsLeader(data.Records, request.Acks, runtime.Time);
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
                if (outcome.Error == ErrorCode.None && request.Acks == -1)
                {
                    var requiredOffset = outcome.LastOffset + 1;
                    if (partition!.CheckEnoughReplicasReachOffset(requiredOffset, out var replicated))
                    {
                        partitionResponse.ErrorCode = (short)replicated;
                    }
                    else
                    {
                        delayed ??= new DelayedProduce(runtime.Time, TimeSpan.FromMilliseconds(request.TimeoutMs));
                        (waiting ??= []).Add(partitionResponse);
                        delayed.Add(partition, requiredOffset);
                    }
                }

                AddCurrentLeader(context.ApiVersion, response, partitionResponse, partition, elsewhere, image);
            }
        }

        if (delayed is not null)
        {
            return AwaitReplicationAsync(context.ApiVersion, response, delayed, waiting!, cancellationToken);
        }

        return ValueTask.FromResult(request.Acks == 0 ? null : response);
    }

    /// <summary>Kafka's produce purgatory: the response goes once the ISR has the records, or at the timeout.</summary>
    private async ValueTask<ProduceResponse?> AwaitReplicationAsync(short version, ProduceResponse response, DelayedProduce delayed, List<ProduceResponse.PartitionProduceResponse> waiting, CancellationToken cancellationToken)
    {
        using (delayed)
        {
            delayed.Start();
            await delayed.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        var image = runtime.Metadata.Image;
        for (var i = 0; i < waiting.Count; i++)
        {
            var error = delayed.ErrorOf(i);
            waiting[i].ErrorCode = (short)error;
            if (error == ErrorCode.NotLeaderOrFollower)
            {
                // Leadership moved while we waited: the partition's new view says where to.
                var topic = FindTopic(response, waiting[i]);
                AddCurrentLeader(version, response, waiting[i], topic is null ? null : runtime.Replicas.Get(topic, waiting[i].Index), null, image);
            }
        }

        return response;
    }

    private static string? FindTopic(ProduceResponse response, ProduceResponse.PartitionProduceResponse wanted)
    {
        foreach (var topic in response.Responses)
        {
            foreach (var partition in topic.PartitionResponses)
            {
                if (ReferenceEquals(partition, wanted))
                {
                    return topic.Name;
                }
            }
        }

        return null;
    }

    /// <summary>KIP-951 (v10+): a NOT_LEADER_OR_FOLLOWER answer names the current leader, whose endpoint the response carries.</summary>
    private static void AddCurrentLeader(short version, ProduceResponse response, ProduceResponse.PartitionProduceResponse answer, Partition? partition, PartitionRegistration? registration, MetadataImage image)
    {
        if (version < CurrentLeaderVersion || answer.ErrorCode != (short)ErrorCode.NotLeaderOrFollower)
        {
            return;
        }

        var (leaderId, leaderEpoch) = CurrentLeaders.Of(partition, registration);
        answer.CurrentLeader = new ProduceResponse.LeaderIdAndEpoch { LeaderId = leaderId, LeaderEpoch = leaderEpoch };
        if (CurrentLeaders.Endpoint(image, leaderId) is not { } broker)
        {
            return;
        }

        foreach (var known in response.NodeEndpoints)
        {
            if (known.NodeId == broker.NodeId)
            {
                return;
            }
        }

        response.NodeEndpoints.Add(new ProduceResponse.NodeEndpoint { NodeId = broker.NodeId, Host = broker.Host, Port = broker.Port, Rack = broker.Rack });
    }
}
