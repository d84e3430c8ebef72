using Weir.Broker.Dispatch;
using Weir.Broker.Fetch;
using Weir.Broker.Metadata;
using Weir.Broker.Partitions;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>
/// Fetch v4–17: reads whole batches through <see cref="Partition.Read"/> (consumers up to the high
/// watermark, followers — a replica id ≥ 0 — up to the log end, their fetch offsets feeding the
/// leader's high watermark), within max bytes and each
/// partition's max bytes, but always at least one batch for the first partition with data
/// (KIP-74). Waits up to MaxWaitMs for MinBytes, woken by appends rather than polling, and answers
/// at once when a partition has an error. Topics by name, or by id from v13. Fetch sessions
/// (KIP-227, v7+) are kept by <see cref="FetchSessionCache"/>: this handler reads what its
/// <see cref="FetchContext"/> names and lets it shape the response. A partition this broker does not
/// lead answers NOT_LEADER_OR_FOLLOWER, with KIP-951's current leader and its endpoint from v16.
/// </summary>
public sealed class FetchHandler(BrokerRuntime runtime) : ApiHandler<FetchRequest, FetchResponse>
{
    private const short CurrentLeaderVersion = 16;

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
        var replicaId = context.ApiVersion >= 15 ? request.ReplicaState.ReplicaId : request.ReplicaId;
        while (true)
        {
            var read = Read(context.ApiVersion, fetch.Targets, maxBytes, replicaId, request.IsolationLevel);
            var remaining = deadline - runtime.Time.GetUtcNow();
            if (read.Bytes >= request.MinBytes || remaining <= TimeSpan.Zero || read.WaitOn.Count == 0 || read.HasError)
            {
                return Complete(context.ApiVersion, fetch, read);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(remaining);
            var waits = new Task[read.WaitOn.Count];
            for (var i = 0; i < waits.Length; i++)
            {
                var (partition, logEndOffset, highWatermark) = read.WaitOn[i];
                waits[i] = partition.WaitForChangeAsync(logEndOffset, highWatermark, timeout.Token);
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

    private ReadResult Read(short version, IReadOnlyList<FetchTarget> targets, int maxBytes, int replicaId, sbyte isolationLevel)
    {
        var image = runtime.Metadata.Image;
        var nodeId = runtime.Config.NodeId;
        var nowMs = replicaId >= 0 ? runtime.Time.GetUtcNow().ToUnixTimeMilliseconds() : -1;
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
                var elsewhere = CurrentLeaders.LedElsewhere(image, name, wanted.Partition, nodeId);
                data.ErrorCode = (short)(elsewhere is not null ? ErrorCode.NotLeaderOrFollower
                    : name is null ? (version >= 13 ? ErrorCode.UnknownTopicId : ErrorCode.UnknownTopicOrPartition) : runtime.Replicas.NotHostedError(name, wanted.Partition));
                data.HighWatermark = data.LastStableOffset = -1;
                data.LogStartOffset = -1;
                result.HasError = true;
                result.NoteLeader(data, null, elsewhere);
                continue;
            }

            var budget = Math.Max(0, Math.Min(wanted.PartitionMaxBytes, maxBytes - result.Bytes));
            var minOneBatch = result.Bytes == 0;
            var fetchParams = replicaId >= 0
                ? FetchParams.ForFollower(replicaId, wanted.FetchOffset, budget, minOneBatch, wanted.CurrentLeaderEpoch, nowMs, wanted.LogStartOffset, wanted.LastFetchedEpoch)
                : FetchParams.ForConsumer(wanted.FetchOffset, budget, minOneBatch, wanted.CurrentLeaderEpoch, isolationLevel);
            var read = partition.Read(fetchParams);
            data.HighWatermark = read.HighWatermark;
            data.LastStableOffset = read.LastStableOffset;
            data.LogStartOffset = read.LogStartOffset;
            if (read.Error != ErrorCode.None)
            {
                data.ErrorCode = (short)read.Error;
                result.HasError = true;
                result.NoteLeader(data, partition, null);
                continue;
            }

            if (read.HasDivergingEpoch)
            {
                // The follower must truncate first: answered at once, as an error would be.
                data.DivergingEpoch = new FetchResponse.EpochEndOffset { Epoch = read.DivergingEpoch, EndOffset = read.DivergingEndOffset };
                result.HasError = true;
                continue;
            }

            var slice = read.Slice;
            if (slice.IsEmpty)
            {
                data.Records = ReadOnlyMemory<byte>.Empty;
                result.WaitOn.Add((partition, read.KnownLogEndOffset, read.HighWatermark));
                continue;
            }

            // Read from the segment file into the response buffer when it is written, not copied here.
            data.Records = slice.AsRecords();
            result.Bytes += slice.Length;
        }

        return result;
    }

    /// <summary>The session shapes the response; KIP-951 (v16+) then names the current leader of partitions that told the client it has the wrong one.</summary>
    private FetchResponse Complete(short version, FetchContext fetch, ReadResult read)
    {
        if (version < CurrentLeaderVersion || read.LeaderHints is null)
        {
            return fetch.Complete(read.Results);
        }

        foreach (var (data, partition, registration) in read.LeaderHints)
        {
            var (leaderId, leaderEpoch) = CurrentLeaders.Of(partition, registration);
            data.CurrentLeader = new FetchResponse.LeaderIdAndEpoch { LeaderId = leaderId, LeaderEpoch = leaderEpoch };
        }

        var response = fetch.Complete(read.Results);
        var image = runtime.Metadata.Image;
        foreach (var (data, _, _) in read.LeaderHints)
        {
            if (CurrentLeaders.Endpoint(image, data.CurrentLeader.LeaderId) is { } broker && !HasEndpoint(response, broker.NodeId))
            {
                response.NodeEndpoints.Add(new FetchResponse.NodeEndpoint { NodeId = broker.NodeId, Host = broker.Host, Port = broker.Port, Rack = broker.Rack });
            }
        }

        return response;
    }

    private static bool HasEndpoint(FetchResponse response, int nodeId)
    {
        foreach (var known in response.NodeEndpoints)
        {
            if (known.NodeId == nodeId)
            {
                return true;
            }
        }

        return false;
    }

    private static string? NameOf(MetadataImage image, Guid topicId) =>
        image.TopicsById.TryGetValue(topicId, out var topic) ? topic.Name : null;

    /// <summary>One pass over the targets: a result per target, bytes read, and the logs to wait on (with what was seen).</summary>
    private sealed class ReadResult(FetchResponse.PartitionData[] results)
    {
        public FetchResponse.PartitionData[] Results { get; } = results;

        public int Bytes { get; set; }

        public bool HasError { get; set; }

        public List<(Partition Partition, long LogEndOffset, long HighWatermark)> WaitOn { get; } = [];

        /// <summary>Answers that sent the client to another leader (NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH); null when none.</summary>
        public List<(FetchResponse.PartitionData Data, Partition? Partition, PartitionRegistration? Registration)>? LeaderHints { get; private set; }

        public void NoteLeader(FetchResponse.PartitionData data, Partition? partition, PartitionRegistration? registration)
        {
            if (data.ErrorCode is (short)ErrorCode.NotLeaderOrFollower or (short)ErrorCode.FencedLeaderEpoch)
            {
                (LeaderHints ??= []).Add((data, partition, registration));
            }
        }
    }
}
