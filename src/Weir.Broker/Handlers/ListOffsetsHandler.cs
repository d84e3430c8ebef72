using Weir.Broker.Dispatch;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>
/// ListOffsets v0–10. v0 is Kafka's legacy form: up to MaxNumOffsets segment-boundary offsets at or
/// before the timestamp, newest first, in OldStyleOffsets (a consumer's list capped at the high
/// watermark, as Kafka 3.x did). v1+: latest (-1, the high watermark), earliest (-2, the log start offset), max
/// timestamp (-3, v7+), and the first offset at or after a timestamp. The leader epoch of the
/// answer is reported from v4.
/// </summary>
public sealed class ListOffsetsHandler(BrokerRuntime runtime) : ApiHandler<ListOffsetsRequest, ListOffsetsResponse>
{
    private const long Latest = -1;
    private const long Earliest = -2;
    private const long MaxTimestamp = -3;
    private const int ConsumerReplicaId = -1;

    public override ApiKey Key => ApiKey.ListOffsets;

    public override short MinVersion => 0;

    public override short MaxVersion => 10;

    protected override ValueTask<ListOffsetsResponse?> HandleAsync(RequestContext context, ListOffsetsRequest request, CancellationToken cancellationToken)
    {
        var response = new ListOffsetsResponse();
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
                    answer.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
                    continue;
                }

                if (wanted.CurrentLeaderEpoch >= 0 && wanted.CurrentLeaderEpoch != partition.LeaderEpoch)
                {
                    answer.ErrorCode = (short)(wanted.CurrentLeaderEpoch < partition.LeaderEpoch ? ErrorCode.FencedLeaderEpoch : ErrorCode.UnknownLeaderEpoch);
                    continue;
                }

                var log = partition.Log;
                if (context.ApiVersion == 0)
                {
                    answer.Timestamp = -1;
                    answer.OldStyleOffsets = LegacyOffsets(log, wanted, request.ReplicaId);
                    continue;
                }

                if (context.ApiVersion >= 4)
                {
                    answer.LeaderEpoch = partition.LeaderEpoch;
                }

                switch (wanted.Timestamp)
                {
                    case Latest:
                        answer.Offset = log.HighWatermark;
                        break;
                    case Earliest:
                        answer.Offset = log.LogStartOffset;
                        break;
                    case MaxTimestamp:
                        var max = log.LatestTimestampAndOffset();
                        answer.Timestamp = max.Timestamp;
                        answer.Offset = max.Offset;
                        break;
                    default:
                        var found = log.FindOffsetByTimestamp(wanted.Timestamp);
                        if (found is { } f && f.Offset < log.HighWatermark)
                        {
                            answer.Timestamp = f.Timestamp;
                            answer.Offset = f.Offset;
                        }

                        break;
                }
            }
        }

        return ValueTask.FromResult<ListOffsetsResponse?>(response);
    }

    private static List<long> LegacyOffsets(Weir.Storage.Log.PartitionLog log, ListOffsetsRequest.ListOffsetsPartition wanted, int replicaId)
    {
        var offsets = log.LegacyOffsetsBefore(wanted.Timestamp, wanted.MaxNumOffsets);
        var result = new List<long>(offsets.Length + 1);
        var hw = log.HighWatermark;
        if (replicaId == ConsumerReplicaId && offsets.Length > 0 && offsets[0] > hw)
        {
            // A consumer never learns of offsets past the high watermark: it gets the high watermark instead.
            result.Add(hw);
        }

        foreach (var offset in offsets)
        {
            if (replicaId != ConsumerReplicaId || offset <= hw)
            {
                result.Add(offset);
            }
        }

        return result;
    }
}
