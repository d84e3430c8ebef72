using System.Globalization;
using Weir.Broker.Config;
using Weir.Broker.Controller;
using Weir.Broker.Metadata;
using Weir.Broker.Partitions;
using Weir.Coordinator.Group;
using Weir.Protocol;

namespace Weir.Broker.Groups;

/// <summary>
/// <c>__consumer_offsets</c> and the coordinator's view of it: the topic is created through the controller
/// the first time a group needs a coordinator (Kafka creates it lazily too), and each partition this node
/// leads is replayed into the <see cref="GroupCoordinator"/> once, when a published image first shows it
/// led here (Kafka's BrokerMetadataPublisher calls the coordinator's onElection the same way). Creation is
/// awaited, so FindCoordinator can answer with this broker at once instead of COORDINATOR_NOT_AVAILABLE.
/// </summary>
public sealed class OffsetsTopic(IController controller, MetadataLoader metadata, ReplicaManager replicas, GroupCoordinator groups, BrokerConfig config)
{
    public const string Name = "__consumer_offsets";

    private readonly Lock _lock = new();
    private volatile bool _ready;

    /// <summary>The partition count of the existing topic, or null when it does not exist yet.</summary>
    public static int? ExistingPartitions(MetadataImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return image.TopicsByName.TryGetValue(Name, out var topic) ? topic.Partitions.Length : null;
    }

    /// <summary>From the publisher: loads the partitions of the topic this node leads and has not loaded yet.</summary>
    public void OnImage(MetadataImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        lock (_lock)
        {
            if (!image.TopicsByName.TryGetValue(Name, out var topic))
            {
                return;
            }

            foreach (var registration in topic.Partitions)
            {
                if (registration is null || registration.Leader != config.NodeId)
                {
                    continue;
                }

                var partition = replicas.Get(Name, registration.PartitionId);
                if (partition is not null && !groups.IsLoaded(registration.PartitionId))
                {
                    groups.Load(registration.PartitionId, OffsetsTopicReader.Read(partition.Log));
                }
            }

            _ready = true;
        }
    }

    /// <summary>Creates the topic if needed and loads its partitions; NONE once the coordinator serves them.</summary>
    public async ValueTask<ErrorCode> EnsureReadyAsync(CancellationToken cancellationToken)
    {
        if (_ready)
        {
            return ErrorCode.None;
        }

        if (!metadata.Image.TopicsByName.ContainsKey(Name))
        {
            // Two callers may both ask; the second hears TOPIC_ALREADY_EXISTS, which is fine.
            var created = await controller.CreateTopicAsync(Creation(), validateOnly: false, cancellationToken).ConfigureAwait(false);
            if (created.Error is not (ErrorCode.None or ErrorCode.TopicAlreadyExists))
            {
                return ErrorCode.CoordinatorNotAvailable;
            }
        }

        // The committed topic reached this broker's image before the controller answered (one voter); on a
        // cluster it may lag, and the client asks again.
        OnImage(metadata.Image);
        return _ready ? ErrorCode.None : ErrorCode.CoordinatorNotAvailable;
    }

    private TopicCreation Creation()
    {
        var brokers = Math.Max(1, metadata.Image.Brokers.Count);
        var replicationFactor = (short)Math.Min(config.GetInt("offsets.topic.replication.factor"), brokers);
        var configs = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["cleanup.policy"] = "compact",
            ["compression.type"] = "producer",
            ["segment.bytes"] = config.GetInt("offsets.topic.segment.bytes").ToString(CultureInfo.InvariantCulture),
        };
        return new TopicCreation(Name, config.OffsetsTopicNumPartitions, replicationFactor, null, configs);
    }
}
