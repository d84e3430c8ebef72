using Weir.Broker.Config;
using Weir.Broker.Metadata;
using Weir.Protocol;
using Weir.Protocol.Metadata;

namespace Weir.Broker.Controller;

/// <summary>
/// Topics and their partitions (Kafka's ReplicationControlManager): creation, deletion and new partitions
/// decided here, with Kafka's codes and messages; ISR changes and leader election join with replication.
/// Replays TopicRecord, PartitionRecord, PartitionChangeRecord and RemoveTopicRecord.
/// </summary>
internal sealed class ReplicationControl(BrokerConfig config, ClusterControl cluster, ConfigurationControl configs)
{
    private const short PartitionRecordVersion = 0;

    private readonly Dictionary<string, TopicControl> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, TopicControl> _byId = [];

    public bool TopicExists(string name) => _byName.ContainsKey(name);

    public ControllerResult<TopicCreationResult> CreateTopic(TopicCreation creation, bool validateOnly)
    {
        var check = ValidateCreation(creation, out var assignments);
        if (check is not null)
        {
            return ControllerResult<TopicCreationResult>.Of(check);
        }

        var replicationFactor = (short)assignments[0].Length;
        if (validateOnly)
        {
            return ControllerResult<TopicCreationResult>.Of(new TopicCreationResult(ErrorCode.None, null, Guid.Empty, assignments.Count, replicationFactor));
        }

        if (cluster.CheckCapacity(creation.Name, ReplicasPerBroker(assignments)) is { } full)
        {
            return ControllerResult<TopicCreationResult>.Of(new TopicCreationResult(ErrorCode.KafkaStorageError, full, Guid.Empty, -1, -1));
        }

        var topicId = Guid.NewGuid();
        var records = new List<(IKafkaMessage, short, short)>
        {
            (new TopicRecord { Name = creation.Name, TopicId = topicId }, TopicRecord.RecordType, 0),
        };
        foreach (var (name, value) in creation.Configs)
        {
            if (value is not null)
            {
                records.Add((new ConfigRecord { ResourceType = (sbyte)ConfigResourceKind.Topic, ResourceName = creation.Name, Name = name, Value = value }, ConfigRecord.RecordType, 0));
            }
        }

        for (var p = 0; p < assignments.Count; p++)
        {
            records.Add((PartitionRecordFor(topicId, p, assignments[p]), PartitionRecord.RecordType, PartitionRecordVersion));
        }

        return new(new TopicCreationResult(ErrorCode.None, null, topicId, assignments.Count, replicationFactor), records);
    }

    /// <summary>Auto-created topics use the broker defaults, capped at the brokers there are (as a one-node quick start expects).</summary>
    public ControllerResult<TopicCreationResult> AutoCreateTopic(string name, int partitions)
    {
        var rf = (short)Math.Min(config.DefaultReplicationFactor, Math.Max(1, cluster.Count));
        return CreateTopic(new TopicCreation(name, partitions == -1 ? config.NumPartitions : partitions, rf, null, new Dictionary<string, string?>()), validateOnly: false);
    }

    public ControllerResult<(ErrorCode Error, string? Message)> DeleteTopic(Guid topicId)
    {
        if (!config.DeleteTopicEnable)
        {
            return Refuse(ErrorCode.TopicDeletionDisabled, "Topic deletion is disabled (delete.topic.enable=false).");
        }

        if (!_byId.TryGetValue(topicId, out var topic))
        {
            return Refuse(ErrorCode.UnknownTopicId, "This topic id does not exist.");
        }

        // Deliberately stricter than Kafka's broker (whose own kafka-topics.sh used to refuse this,
        // in these words): deleting __consumer_offsets loses every group's committed offsets.
        if (InternalTopics.IsInternal(topic.Name))
        {
            return Refuse(ErrorCode.InvalidTopicException, $"Topic {topic.Name} is a kafka internal topic and is not allowed to be marked for deletion.");
        }

        return new((ErrorCode.None, null), [(new RemoveTopicRecord { TopicId = topicId }, RemoveTopicRecord.RecordType, 0)]);
    }

    /// <summary>Adds partitions as <see cref="IController.CreatePartitionsAsync"/> describes; fails as Kafka's ReplicationControlManager does.</summary>
    public ControllerResult<(ErrorCode Error, string? Message)> CreatePartitions(string topic, int totalCount, IReadOnlyList<int[]>? assignments, bool validateOnly)
    {
        if (!_byName.TryGetValue(topic, out var existing))
        {
            return Refuse(ErrorCode.UnknownTopicOrPartition, $"Topic '{topic}' does not exist.");
        }

        var current = existing.Partitions.Count;
        if (totalCount == current)
        {
            return Refuse(ErrorCode.InvalidPartitions, $"Topic already has {current} partition(s).");
        }

        if (totalCount < current)
        {
            return Refuse(ErrorCode.InvalidPartitions, $"The topic {topic} currently has {current} partition(s); {totalCount} would not be an increase.");
        }

        var add = totalCount - current;
        if (assignments is not null && assignments.Count != add)
        {
            return Refuse(ErrorCode.InvalidReplicaAssignment, $"Attempted to add {add} additional partition(s), but only {assignments.Count} assignment(s) were specified.");
        }

        var rf = existing.Partitions[0].Replicas.Length;
        if (assignments is null && rf > cluster.Count)
        {
            return Refuse(ErrorCode.InvalidReplicationFactor, $"Unable to replicate the partition {rf} time(s): The target replication factor of {rf} cannot be reached because only {cluster.Count} broker(s) are registered.");
        }

        var records = new List<(IKafkaMessage, short, short)>();
        var placed = new List<int[]>(add);
        for (var i = 0; i < add; i++)
        {
            var replicas = assignments?[i] ?? DefaultReplicas(current + i, rf);
            var error = CheckReplicas(replicas);
            if (error is not null)
            {
                return Refuse(ErrorCode.InvalidReplicaAssignment, error);
            }

            if (assignments is not null && replicas.Length != assignments[0].Length)
            {
                return Refuse(ErrorCode.InvalidReplicaAssignment, $"Inconsistent replication factor between partitions, partition 0 has {assignments[0].Length} while partition {i} has replication factor {replicas.Length}.");
            }

            placed.Add(replicas);
            records.Add((PartitionRecordFor(existing.Id, current + i, replicas), PartitionRecord.RecordType, PartitionRecordVersion));
        }

        if (validateOnly)
        {
            return ControllerResult<(ErrorCode, string?)>.Of((ErrorCode.None, null));
        }

        if (cluster.CheckCapacity(topic, ReplicasPerBroker(placed)) is { } full)
        {
            return Refuse(ErrorCode.KafkaStorageError, full);
        }

        return new((ErrorCode.None, null), records);
    }

    public void Replay(TopicRecord record)
    {
        var topic = new TopicControl(record.Name, record.TopicId);
        _byName[record.Name] = topic;
        _byId[record.TopicId] = topic;
    }

    public void Replay(PartitionRecord record)
    {
        if (!_byId.TryGetValue(record.TopicId, out var topic))
        {
            return;
        }

        var registration = new PartitionRegistration(record.PartitionId, [.. record.Replicas], [.. record.Isr], record.Leader, record.LeaderEpoch, record.PartitionEpoch);
        while (topic.Partitions.Count <= record.PartitionId)
        {
            topic.Partitions.Add(null!);
        }

        topic.Partitions[record.PartitionId] = registration;
    }

    public void Replay(PartitionChangeRecord record)
    {
        if (!_byId.TryGetValue(record.TopicId, out var topic) || record.PartitionId >= topic.Partitions.Count)
        {
            return;
        }

        // As MetadataDelta: leader -2 means unchanged; a new leader bumps the leader epoch.
        var old = topic.Partitions[record.PartitionId];
        topic.Partitions[record.PartitionId] = old with
        {
            Leader = record.Leader == -2 ? old.Leader : record.Leader,
            Isr = record.Isr is null ? old.Isr : [.. record.Isr],
            Replicas = record.Replicas is null ? old.Replicas : [.. record.Replicas],
            LeaderEpoch = record.Leader == -2 ? old.LeaderEpoch : old.LeaderEpoch + 1,
            PartitionEpoch = old.PartitionEpoch + 1,
        };
    }

    public void Replay(RemoveTopicRecord record)
    {
        if (_byId.Remove(record.TopicId, out var topic))
        {
            _byName.Remove(topic.Name);
            configs.DeleteTopicConfigs(topic.Name);
        }
    }

    private TopicCreationResult? ValidateCreation(TopicCreation creation, out List<int[]> assignments)
    {
        assignments = [];
        var nameError = TopicNames.Validate(creation.Name);
        if (nameError is not null)
        {
            return Fail(ErrorCode.InvalidTopicException, nameError);
        }

        // As Kafka's controller: a topic of that name would be handed the metadata log's own partition.
        if (creation.Name == MetadataLog.Partition.Topic)
        {
            return Fail(ErrorCode.InvalidRequest, $"Creation of internal topic {creation.Name} is prohibited.");
        }

        if (_byName.ContainsKey(creation.Name))
        {
            return Fail(ErrorCode.TopicAlreadyExists, $"Topic '{creation.Name}' already exists.");
        }

        foreach (var (name, value) in creation.Configs)
        {
            if (!TopicConfigs.TryGet(name, out var def, out _))
            {
                return Fail(ErrorCode.InvalidConfig, $"Unknown topic config name: {name}");
            }

            var error = value is null ? null : def.Check(value);
            if (error is not null)
            {
                return Fail(ErrorCode.InvalidConfig, $"Invalid value {value} for configuration {name}: {error}");
            }
        }

        if (creation.Assignments is { Count: > 0 })
        {
            if (creation.NumPartitions != -1 || creation.ReplicationFactor != -1)
            {
                return Fail(ErrorCode.InvalidRequest, "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.");
            }

            foreach (var replicas in creation.Assignments)
            {
                var error = CheckReplicas(replicas);
                if (error is not null)
                {
                    return Fail(ErrorCode.InvalidReplicaAssignment, error);
                }
            }

            assignments = [.. creation.Assignments];
            return null;
        }

        var partitions = creation.NumPartitions == -1 ? config.NumPartitions : creation.NumPartitions;
        if (partitions <= 0)
        {
            return Fail(ErrorCode.InvalidPartitions, "Number of partitions must be larger than 0.");
        }

        var rf = creation.ReplicationFactor == -1 ? config.DefaultReplicationFactor : creation.ReplicationFactor;
        if (rf <= 0)
        {
            return Fail(ErrorCode.InvalidReplicationFactor, "Replication factor must be larger than 0.");
        }

        var live = cluster.Count;
        if (rf > live)
        {
            return Fail(ErrorCode.InvalidReplicationFactor, $"Unable to replicate the partition {rf} time(s): The target replication factor of {rf} cannot be reached because only {live} broker(s) are registered.");
        }

        for (var p = 0; p < partitions; p++)
        {
            assignments.Add(DefaultReplicas(p, rf));
        }

        return null;

        static TopicCreationResult Fail(ErrorCode code, string message) => new(code, message, Guid.Empty, -1, -1);
    }

    private static ControllerResult<(ErrorCode Error, string? Message)> Refuse(ErrorCode error, string message) =>
        ControllerResult<(ErrorCode, string?)>.Of((error, message));

    private static Dictionary<int, int> ReplicasPerBroker(List<int[]> assignments)
    {
        var counts = new Dictionary<int, int>();
        foreach (var replicas in assignments)
        {
            foreach (var broker in replicas)
            {
                counts[broker] = counts.GetValueOrDefault(broker) + 1;
            }
        }

        return counts;
    }

    private string? CheckReplicas(int[] replicas)
    {
        if (replicas.Length == 0)
        {
            return "A partition needs at least one replica.";
        }

        for (var i = 0; i < replicas.Length; i++)
        {
            if (!cluster.IsRegistered(replicas[i]))
            {
                return $"Broker {replicas[i]} in the replica assignment is not registered.";
            }

            for (var j = 0; j < i; j++)
            {
                if (replicas[j] == replicas[i])
                {
                    return $"Duplicate broker {replicas[i]} in the replica assignment.";
                }
            }
        }

        return null;
    }

    private int[] DefaultReplicas(int partition, int rf)
    {
        var brokers = cluster.BrokerIds;
        var replicas = new int[rf];
        for (var i = 0; i < rf; i++)
        {
            replicas[i] = brokers[(partition + i) % brokers.Count];
        }

        return replicas;
    }

    private static PartitionRecord PartitionRecordFor(Guid topicId, int partition, int[] replicas) => new()
    {
        TopicId = topicId,
        PartitionId = partition,
        Replicas = [.. replicas],
        Isr = [.. replicas],
        Leader = replicas[0],
        LeaderEpoch = 0,
        PartitionEpoch = 0,
    };

    /// <summary>One topic as the controller holds it; touched only on the controller's thread.</summary>
    private sealed class TopicControl(string name, Guid id)
    {
        public string Name { get; } = name;

        public Guid Id { get; } = id;

        public List<PartitionRegistration> Partitions { get; } = [];
    }
}
