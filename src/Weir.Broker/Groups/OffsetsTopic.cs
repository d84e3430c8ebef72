using System.Globalization;
using Weir.Broker.Config;
using Weir.Broker.Controller;
using Weir.Broker.Partitions;
using Weir.Coordinator.Group;
using Weir.Protocol;

namespace Weir.Broker.Groups;

/// <summary>
/// <c>__consumer_offsets</c> and the coordinator's view of it: the topic is created by the controller
/// the first time a group needs a coordinator (Kafka creates it lazily too), and each partition this
/// node leads is replayed into the <see cref="GroupCoordinator"/> once, at startup when the topic
/// exists already, or right after creating it. Creation is synchronous here, so FindCoordinator can
/// answer with this broker at once instead of COORDINATOR_NOT_AVAILABLE.
/// </summary>
public sealed class OffsetsTopic(QuorumController controller, ReplicaManager replicas, GroupCoordinator groups, BrokerConfig config)
{
    public const string Name = "__consumer_offsets";

    private readonly Lock _lock = new();
    private volatile bool _ready;

    /// <summary>The partition count of the existing topic, or null when it does not exist yet.</summary>
    public static int? ExistingPartitions(QuorumController controller)
    {
        ArgumentNullException.ThrowIfNull(controller);
        return controller.Image.TopicsByName.TryGetValue(Name, out var topic) ? topic.Partitions.Length : null;
    }

    /// <summary>Loads the partitions when the topic exists (startup); otherwise waits for the first <see cref="EnsureReady"/>.</summary>
    public void LoadIfExists()
    {
        lock (_lock)
        {
            if (!_ready && controller.Image.TopicsByName.ContainsKey(Name))
            {
                LoadLocked();
            }
        }
    }

    /// <summary>Creates the topic if needed and loads its partitions; NONE once the coordinator serves them.</summary>
    public ErrorCode EnsureReady()
    {
        if (_ready)
        {
            return ErrorCode.None;
        }

        lock (_lock)
        {
            if (_ready)
            {
                return ErrorCode.None;
            }

            if (!controller.Image.TopicsByName.ContainsKey(Name))
            {
                var created = controller.CreateTopic(Creation(), validateOnly: false);
                if (created.Error is not (ErrorCode.None or ErrorCode.TopicAlreadyExists))
                {
                    return ErrorCode.CoordinatorNotAvailable;
                }
            }

            LoadLocked();
            return ErrorCode.None;
        }
    }

    private TopicCreation Creation()
    {
        var brokers = Math.Max(1, controller.Image.Brokers.Count);
        var replicationFactor = (short)Math.Min(config.GetInt("offsets.topic.replication.factor"), brokers);
        var configs = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["cleanup.policy"] = "compact",
            ["compression.type"] = "producer",
            ["segment.bytes"] = config.GetInt("offsets.topic.segment.bytes").ToString(CultureInfo.InvariantCulture),
        };
        return new TopicCreation(Name, config.OffsetsTopicNumPartitions, replicationFactor, null, configs);
    }

    private void LoadLocked()
    {
        if (!controller.Image.TopicsByName.TryGetValue(Name, out var topic))
        {
            return;
        }

        foreach (var registration in topic.Partitions)
        {
            if (registration is null || registration.Leader != controller.NodeId)
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
