using Weir.Broker.Dispatch;
using Weir.Broker.Fetch;
using Weir.Broker.Metadata;
using Weir.Protocol;
using Weir.Protocol.Messages;
using Weir.Storage;
using Weir.Storage.Log;

namespace Weir.Broker.Handlers;

/// <summary>
/// Fetch v4–17: reads whole batches up to the high watermark, within max bytes and each
/// partition's max bytes, but always at least one batch for the first partition with data
/// (KIP-74). Waits up to MaxWaitMs for MinBytes, woken by appends rather than polling, and answers
/// at once when a partition has an error. Topics by name, or by id from v13. Fetch sessions
/// (KIP-227, v7+) are kept by <see cref="FetchSessionCache"/>: this handler reads what its
/// <see cref="FetchContext"/> names and lets it shape the response.
/// </summary>
public sealed class FetchHandler(BrokerRuntime runtime) : ApiHandler<FetchRequest, FetchResponse>
{
    public override ApiKey Key => ApiKey.Fetch;

    public override short MinVersion => 4;

    public override short MaxVersion => 17;

    protected override async ValueTask<FetchResponse?> HandleAsync(RequestContext context, FetchRequest request, CancellationToken cancellationToken)
    {
        var fetch = runtime.FetchSessions.NewContext(context.ApiVersion, request);
        if (fetch.Kind == FetchContextKind.SessionError)
        {
            return fetch.Complete([]);
        }

        var deadline = runtime.Time.GetUtcNow().AddMilliseconds(Math.Max(0, request.MaxWaitMs));
        var maxBytes = Math.Min(request.MaxBytes <= 0 ? int.MaxValue : request.MaxBytes, runtime.Config.FetchMaxBytes);
        while (true)
        {
            var read = Read(context.ApiVersion, fetch.Targets, maxBytes);
            var remaining = deadline - runtime.Time.GetUtcNow();
            if (read.Bytes >= request.MinBytes || remaining <= TimeSpan.Zero || read.WaitOn.Count == 0 || read.HasError)
            {
                return fetch.Complete(read.Results);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(remaining);
            var waits = new Task[read.WaitOn.Count];
            for (var i = 0; i < waits.Length; i++)
            {
                var (log, logEndOffset, highWatermark) = read.WaitOn[i];
                waits[i] = log.WaitForChangeAsync(logEndOffset, highWatermark, timeout.Token);
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

    private ReadResult Read(short version, IReadOnlyList<FetchTarget> targets, int maxBytes)
    {
        var image = runtime.Metadata.Image;
        var result = new ReadResult(new FetchResponse.PartitionData[targets.Count]);
        for (var i = 0; i < targets.Count; i++)
        {
            var wanted = targets[i];
            // Errors carry empty records, as Kafka's do: librdkafka 2.0.2 rejects a null record set (size -1) as a protocol error.
            var data = new FetchResponse.PartitionData { PartitionIndex = wanted.Partition, PreferredReadReplica = -1, Records = ReadOnlyMemory<byte>.Empty };
            result.Results[i] = data;
            var name = version >= 13 ? NameOf(image, wanted.TopicId) : wanted.Topic;
            var partition = name is null ? null : runtime.Replicas.Get(name, wanted.Partition);
            if (partition is null)
            {
                data.ErrorCode = (short)(version >= 13 && name is null ? ErrorCode.UnknownTopicId : ErrorCode.UnknownTopicOrPartition);
                data.HighWatermark = data.LastStableOffset = -1;
                data.LogStartOffset = -1;
                result.HasError = true;
                continue;
            }

            if (wanted.CurrentLeaderEpoch >= 0 && wanted.CurrentLeaderEpoch != partition.LeaderEpoch)
            {
                data.ErrorCode = (short)(wanted.CurrentLeaderEpoch < partition.LeaderEpoch ? ErrorCode.FencedLeaderEpoch : ErrorCode.UnknownLeaderEpoch);
                data.HighWatermark = data.LastStableOffset = -1;
                result.HasError = true;
                continue;
            }

            var log = partition.Log;
            // Taken before reading, so an append racing the read still wakes the wait below.
            var logEndOffset = log.LogEndOffset;
            var budget = Math.Min(wanted.PartitionMaxBytes, maxBytes - result.Bytes);
            FetchSlice? read = null;
            try
            {
                if (!log.IsOffline)
                {
                    read = log.Read(wanted.FetchOffset, Math.Max(0, budget), log.HighWatermark, minOneBatch: result.Bytes == 0);
                }
            }
            catch (Exception e) when (StorageErrors.IsStorageError(e))
            {
                // An unreadable log answers this partition only, as Kafka's ReplicaManager does.
            }

            if (read is not { } slice)
            {
                data.ErrorCode = (short)ErrorCode.KafkaStorageError;
                data.HighWatermark = data.LastStableOffset = -1;
                data.LogStartOffset = -1;
                result.HasError = true;
                continue;
            }

            data.HighWatermark = slice.HighWatermark;
            data.LastStableOffset = slice.HighWatermark;
            data.LogStartOffset = slice.LogStartOffset;
            if (slice.Error != LogError.None)
            {
                data.ErrorCode = (short)slice.Error;
                result.HasError = true;
                continue;
            }

            if (slice.IsEmpty)
            {
                data.Records = ReadOnlyMemory<byte>.Empty;
                result.WaitOn.Add((log, logEndOffset, slice.HighWatermark));
                continue;
            }

            // Read from the segment file into the response buffer when it is written, not copied here.
            data.Records = slice.AsRecords();
            result.Bytes += slice.Length;
        }

        return result;
    }

    private static string? NameOf(MetadataImage image, Guid topicId) =>
        image.TopicsById.TryGetValue(topicId, out var topic) ? topic.Name : null;

    /// <summary>One pass over the targets: a result per target, bytes read, and the logs to wait on (with what was seen).</summary>
    private sealed class ReadResult(FetchResponse.PartitionData[] results)
    {
        public FetchResponse.PartitionData[] Results { get; } = results;

        public int Bytes { get; set; }

        public bool HasError { get; set; }

        public List<(PartitionLog Log, long LogEndOffset, long HighWatermark)> WaitOn { get; } = [];
    }
}
