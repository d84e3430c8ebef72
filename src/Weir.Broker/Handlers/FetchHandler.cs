using Weir.Broker.Dispatch;
using Weir.Broker.Metadata;
using Weir.Broker.Partitions;
using Weir.Protocol;
using Weir.Protocol.Messages;
using Weir.Storage.Log;

namespace Weir.Broker.Handlers;

/// <summary>
/// Fetch v4–17: reads whole batches up to the high watermark, within max bytes and each
/// partition's max bytes, but always at least one batch for the first partition with data
/// (KIP-74). Waits up to MaxWaitMs for MinBytes, woken by appends rather than polling. Topics by
/// name, or by id from v13. Fetch sessions (KIP-227) are declined by answering session id 0,
/// which clients treat as "full fetch every time".
/// </summary>
public sealed class FetchHandler(BrokerRuntime runtime) : ApiHandler<FetchRequest, FetchResponse>
{
    public override ApiKey Key => ApiKey.Fetch;

    public override short MinVersion => 4;

    public override short MaxVersion => 17;

    protected override async ValueTask<FetchResponse?> HandleAsync(RequestContext context, FetchRequest request, CancellationToken cancellationToken)
    {
        var deadline = runtime.Time.GetUtcNow().AddMilliseconds(Math.Max(0, request.MaxWaitMs));
        var maxBytes = Math.Min(request.MaxBytes <= 0 ? int.MaxValue : request.MaxBytes, runtime.Config.FetchMaxBytes);
        while (true)
        {
            var (response, bytes, waitOn) = Read(context.ApiVersion, request, maxBytes);
            var remaining = deadline - runtime.Time.GetUtcNow();
            if (bytes >= request.MinBytes || remaining <= TimeSpan.Zero || waitOn.Count == 0 || response.ErrorCode != 0)
            {
                return response;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(remaining);
            var waits = new Task[waitOn.Count];
            for (var i = 0; i < waitOn.Count; i++)
            {
                var log = waitOn[i].Log;
                waits[i] = log.WaitForChangeAsync(log.LogEndOffset, log.HighWatermark, timeout.Token);
            }

            try
            {
                await Task.WhenAny(waits).ConfigureAwait(false);
            }
            finally
            {
                await timeout.CancelAsync().ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private (FetchResponse Response, int Bytes, List<Partition> WaitOn) Read(short version, FetchRequest request, int maxBytes)
    {
        var image = runtime.Controller.Image;
        var response = new FetchResponse { SessionId = 0 };
        var waitOn = new List<Partition>();
        var total = 0;
        foreach (var topic in request.Topics)
        {
            var name = version >= 13 ? NameOf(image, topic.TopicId) : topic.Topic;
            var topicResponse = new FetchResponse.FetchableTopicResponse { Topic = topic.Topic, TopicId = topic.TopicId };
            response.Responses.Add(topicResponse);
            foreach (var wanted in topic.Partitions)
            {
                // Errors carry empty records, as Kafka's do: librdkafka 2.0.2 rejects a null record set (size -1) as a protocol error.
                var data = new FetchResponse.PartitionData { PartitionIndex = wanted.Partition, PreferredReadReplica = -1, Records = ReadOnlyMemory<byte>.Empty };
                topicResponse.Partitions.Add(data);
                var partition = name is null ? null : runtime.Replicas.Get(name, wanted.Partition);
                if (partition is null)
                {
                    data.ErrorCode = (short)(version >= 13 && name is null ? ErrorCode.UnknownTopicId : ErrorCode.UnknownTopicOrPartition);
                    data.HighWatermark = data.LastStableOffset = -1;
                    data.LogStartOffset = -1;
                    continue;
                }

                if (wanted.CurrentLeaderEpoch >= 0 && wanted.CurrentLeaderEpoch != partition.LeaderEpoch)
                {
                    data.ErrorCode = (short)(wanted.CurrentLeaderEpoch < partition.LeaderEpoch ? ErrorCode.FencedLeaderEpoch : ErrorCode.UnknownLeaderEpoch);
                    continue;
                }

                var log = partition.Log;
                var budget = Math.Min(wanted.PartitionMaxBytes, maxBytes - total);
                var slice = log.Read(wanted.FetchOffset, Math.Max(0, budget), log.HighWatermark, minOneBatch: total == 0);
                data.HighWatermark = slice.HighWatermark;
                data.LastStableOffset = slice.HighWatermark;
                data.LogStartOffset = slice.LogStartOffset;
                if (slice.Error != LogError.None)
                {
                    data.ErrorCode = (short)slice.Error;
                    continue;
                }

                if (slice.IsEmpty)
                {
                    waitOn.Add(partition);
                    continue;
                }

                data.Records = slice.ToArray();
                total += slice.Length;
            }
        }

        return (response, total, waitOn);
    }

    private static string? NameOf(MetadataImage image, Guid topicId) =>
        image.TopicsById.TryGetValue(topicId, out var topic) ? topic.Name : null;
}
