using Weir.Broker.Dispatch;
using Weir.Broker.Partitions;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>
/// ListOffsets v0–10. v0 is Kafka's legacy form: up to MaxNumOffsets segment-boundary offsets at or
/// before the timestamp, newest first, in OldStyleOffsets (a consumer's list capped at the high
/// watermark, as Kafka 3.x did). v1+: latest (-1, the high watermark), earliest (-2, the log start offset), max
/// timestamp (-3, v7+), and the first offset at or after a timestamp, from
/// <see cref="Partition.FetchOffsetForTimestamp"/> (a replica id other than -1 reads to the log end, as
/// in Kafka). The leader epoch of the answer is reported from v4.
/// </summary>
public sealed class ListOffsetsHandler(BrokerRuntime runtime) : ApiHandler<ListOffsetsRequest, ListOffsetsResponse>
{
    private const int ConsumerReplicaId = -1;
    private const int DebuggingReplicaId = -2;

    public override ApiKey Key => ApiKey.ListOffsets;

    public override short MinVersion => 0;

    public override short MaxVersion => 10;

    protected override ValueTask<ListOffsetsResponse?> HandleAsync(RequestContext context, ListOffsetsRequest request, CancellationToken cancellationToken)
    {
        var response = new ListOffsetsResponse();
        // A consumer reads to the high watermark (or the last stable offset, read_committed); a replica to the log end.
        FetchIsolation? isolation = request.ReplicaId != ConsumerReplicaId ? null
            : request.IsolationLevel == 1 ? FetchIsolation.TxnCommitted : FetchIsolation.HighWatermark;
        foreach (var topic in request.Topics)
        {
            var topicResponse = new ListOffsetsResponse.ListOffsetsTopicResponse { Name = topic.Name };
            response.Topics.Add(topicResponse);
            foreach (var wanted in topic.Partitions)
            {
                var answer = new ListOffsetsResponse.ListOffsetsPartitionResponse { PartitionIndex = wanted.PartitionIndex, Timestamp = -1, Offset = -1, LeaderEpoch = -1 };
                topicResponse.Partitions.Add(answer);
                var partition = runtime.Replicas.Get(topic.Name, wanted.PartitionIndex);
                if (partition is null)
                {
                    answer.ErrorCode = (short)runtime.Replicas.NotHostedError(topic.Name, wanted.PartitionIndex);
                    continue;
                }

                if (context.ApiVersion == 0)
                {
                    var (legacyError, offsets) = partition.LegacyOffsetsBefore(wanted.Timestamp, wanted.MaxNumOffsets, request.ReplicaId == ConsumerReplicaId, request.ReplicaId != DebuggingReplicaId);
                    answer.ErrorCode = (short)legacyError;
                    answer.OldStyleOffsets = offsets;
                    continue;
                }

                var found = partition.FetchOffsetForTimestamp(wanted.Timestamp, wanted.CurrentLeaderEpoch, isolation, request.ReplicaId != DebuggingReplicaId);
                answer.ErrorCode = (short)found.Error;
                if (found.Error != ErrorCode.None)
                {
                    continue;
                }

                answer.Timestamp = found.Timestamp;
                answer.Offset = found.Offset;
                if (context.ApiVersion >= 4)
                {
                    answer.LeaderEpoch = found.LeaderEpoch;
                }
            }
        }

        return ValueTask.FromResult<ListOffsetsResponse?>(response);
    }
}
