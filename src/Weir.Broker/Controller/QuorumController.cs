using Weir.Broker.Config;
using Weir.Broker.Metadata;
using Weir.Protocol;
using Weir.Protocol.Metadata;
using Weir.Storage;

namespace Weir.Broker.Controller;

/// <summary>
/// The single-voter KRaft controller: every cluster change is validated here, written to the
/// metadata log as records, and only then applied to the image that the broker serves from.
/// Changes are serialized by one lock; readers take <see cref="Image"/> without locking.
/// </summary>
public sealed class QuorumController
{
    private const short PartitionRecordVersion = 0;
    private const int ProducerIdBlockSize = 1000;

    private readonly MetadataLog _log;
    private readonly BrokerConfig _config;
    private readonly Lock _lock = new();
    private MetadataImage _image;
    private long _nextProducerId;
    private long _producerIdBlockEnd;

    public QuorumController(MetadataLog log, BrokerConfig config, string clusterId)
    {
        _log = log;
        _config = config;
        var image = MetadataImage.Empty(clusterId);
        log.Replay((record, offset) => image = MetadataDelta.Apply(image, record, offset));
        _image = image;
        _nextProducerId = _producerIdBlockEnd = image.NextProducerId;
    }

    /// <summary>Raised after each applied change with the new image (on the changing thread).</summary>
    public event Action<MetadataImage>? ImagePublished;

    public MetadataImage Image => Volatile.Read(ref _image);

    public int NodeId => _config.NodeId;

    /// <summary>
    /// Creates this node's logs for new partitions before they are committed, so a partition whose files
    /// cannot be opened (no descriptors, no space) is refused with an error instead of being committed and
    /// never hosted. Set by the broker to its replica manager; null in socket-free tests.
    /// </summary>
    public ILocalLogPreparer? LocalLogs { get; set; }

    /// <summary>Registers (or re-registers, when its endpoint changed) this broker.</summary>
    public void RegisterBroker(string host, int port)
    {
        lock (_lock)
        {
            if (_image.Brokers.TryGetValue(_config.NodeId, out var existing) && existing.Host == host && existing.Port == port && !existing.Fenced)
            {
                return;
            }

            var record = new RegisterBrokerRecord
            {
                BrokerId = _config.NodeId,
                IncarnationId = Guid.NewGuid(),
                BrokerEpoch = _image.Offset + 1,
                Fenced = false,
                EndPoints =
                [
                    new RegisterBrokerRecord.BrokerEndpoint { Name = _config.ClientListeners[0].Name, Host = host, Port = (ushort)port, SecurityProtocol = 0 },
                ],
            };
            CommitLocked([(record, RegisterBrokerRecord.RecordType, 0)]);
        }
    }

    public TopicCreationResult CreateTopic(TopicCreation creation, bool validateOnly)
    {
        lock (_lock)
        {
            var image = _image;
            var check = ValidateCreation(image, creation, out var assignments);
            if (check is not null)
            {
                return check;
            }

            var replicationFactor = (short)assignments[0].Length;
            if (validateOnly)
            {
                return new TopicCreationResult(ErrorCode.None, null, Guid.Empty, assignments.Count, replicationFactor);
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

            var local = new List<int>();
            for (var p = 0; p < assignments.Count; p++)
            {
                records.Add((PartitionRecordFor(topicId, p, assignments[p]), PartitionRecord.RecordType, PartitionRecordVersion));
                if (Array.IndexOf(assignments[p], _config.NodeId) >= 0)
                {
                    local.Add(p);
                }
            }

            var storage = CommitWithLocalLogsLocked(creation.Name, local, records);
            return storage is null
                ? new TopicCreationResult(ErrorCode.None, null, topicId, assignments.Count, replicationFactor)
                : new TopicCreationResult(ErrorCode.KafkaStorageError, storage, Guid.Empty, -1, -1);
        }
    }

    public (ErrorCode Error, string? Message) DeleteTopic(Guid topicId)
    {
        lock (_lock)
        {
            if (!_config.DeleteTopicEnable)
            {
                return (ErrorCode.TopicDeletionDisabled, "Topic deletion is disabled (delete.topic.enable=false).");
            }

            if (!_image.TopicsById.TryGetValue(topicId, out var topic))
            {
                return (ErrorCode.UnknownTopicId, "This topic id does not exist.");
            }

            // Deliberately stricter than Kafka's broker (whose own kafka-topics.sh used to refuse this,
            // in these words): deleting __consumer_offsets loses every group's committed offsets.
            if (topic.IsInternal)
            {
                return (ErrorCode.InvalidTopicException, $"Topic {topic.Name} is a kafka internal topic and is not allowed to be marked for deletion.");
            }

            try
            {
                CommitLocked([(new RemoveTopicRecord { TopicId = topicId }, RemoveTopicRecord.RecordType, 0)]);
            }
            catch (KafkaStorageException e)
            {
                return (ErrorCode.KafkaStorageError, e.Message);
            }

            return (ErrorCode.None, null);
        }
    }

    /// <summary>
    /// Adds partitions up to <paramref name="totalCount"/>, on the given brokers (one replica list per
    /// new partition, all of the same length) or spread like new topics with the topic's replication
    /// factor. Fails as KRaft's ReplicationControlManager does; nothing is written when validating only.
    /// </summary>
    public (ErrorCode Error, string? Message) CreatePartitions(string topic, int totalCount, IReadOnlyList<int[]>? assignments, bool validateOnly)
    {
        lock (_lock)
        {
            if (!_image.TopicsByName.TryGetValue(topic, out var existing))
            {
                return (ErrorCode.UnknownTopicOrPartition, $"Topic '{topic}' does not exist.");
            }

            var current = existing.Partitions.Length;
            if (totalCount == current)
            {
                return (ErrorCode.InvalidPartitions, $"Topic already has {current} partition(s).");
            }

            if (totalCount < current)
            {
                return (ErrorCode.InvalidPartitions, $"The topic {topic} currently has {current} partition(s); {totalCount} would not be an increase.");
            }

            var add = totalCount - current;
            if (assignments is not null && assignments.Count != add)
            {
                return (ErrorCode.InvalidReplicaAssignment, $"Attempted to add {add} additional partition(s), but only {assignments.Count} assignment(s) were specified.");
            }

            var rf = existing.Partitions[0].Replicas.Length;
            if (assignments is null && rf > _image.Brokers.Count)
            {
                return (ErrorCode.InvalidReplicationFactor, $"Unable to replicate the partition {rf} time(s): The target replication factor of {rf} cannot be reached because only {_image.Brokers.Count} broker(s) are registered.");
            }

            var records = new List<(IKafkaMessage, short, short)>();
            var local = new List<int>();
            for (var i = 0; i < add; i++)
            {
                var replicas = assignments?[i] ?? DefaultReplicas(current + i, rf);
                var error = CheckReplicas(replicas);
                if (error is not null)
                {
                    return (ErrorCode.InvalidReplicaAssignment, error);
                }

                if (assignments is not null && replicas.Length != assignments[0].Length)
                {
                    return (ErrorCode.InvalidReplicaAssignment, $"Inconsistent replication factor between partitions, partition 0 has {assignments[0].Length} while partition {i} has replication factor {replicas.Length}.");
                }

                records.Add((PartitionRecordFor(existing.Id, current + i, replicas), PartitionRecord.RecordType, PartitionRecordVersion));
                if (Array.IndexOf(replicas, _config.NodeId) >= 0)
                {
                    local.Add(current + i);
                }
            }

            if (!validateOnly && CommitWithLocalLogsLocked(topic, local, records) is { } storage)
            {
                return (ErrorCode.KafkaStorageError, storage);
            }

            return (ErrorCode.None, null);
        }
    }

    /// <summary>Sets (value) or removes (null) configs of one resource, atomically.</summary>
    public void AlterConfigs(ConfigResourceKind kind, string resource, IReadOnlyList<(string Name, string? Value)> changes)
    {
        lock (_lock)
        {
            var records = new List<(IKafkaMessage, short, short)>();
            foreach (var (name, value) in changes)
            {
                records.Add((new ConfigRecord { ResourceType = (sbyte)kind, ResourceName = resource, Name = name, Value = value }, ConfigRecord.RecordType, 0));
            }

            if (records.Count > 0)
            {
                CommitLocked(records);
            }
        }
    }

    /// <summary>
    /// IncrementalAlterConfigs on one resource: SET, DELETE, and APPEND/SUBTRACT on list configs (from the
    /// config's default when the resource does not set it). All or nothing; nothing is written when
    /// <paramref name="validateOnly"/>.
    /// </summary>
    public (ErrorCode Error, string? Message) IncrementalAlterConfigs(ConfigResourceKind kind, string resource, IReadOnlyList<ConfigAlteration> alterations, bool validateOnly)
    {
        lock (_lock)
        {
            if (ConfigChecks.CheckResource(_image, kind, resource, _config.NodeId) is { } refused)
            {
                return refused;
            }

            var current = _image.ConfigsOf(kind, resource);
            var next = new Dictionary<string, string>(current, StringComparer.Ordinal);
            foreach (var alteration in alterations)
            {
                switch (alteration.Operation)
                {
                    case ConfigOperation.Set:
                        next[alteration.Name] = alteration.Value!;
                        break;
                    case ConfigOperation.Delete:
                        next.Remove(alteration.Name);
                        break;
                    case ConfigOperation.Append:
                    case ConfigOperation.Subtract:
                        if (ConfigChecks.CheckListOperation(kind, alteration, out var defaultValue) is { } notList)
                        {
                            return notList;
                        }

                        var old = next.TryGetValue(alteration.Name, out var set) ? set : defaultValue;
                        next[alteration.Name] = CombineList(old, alteration.Value!, alteration.Operation == ConfigOperation.Append);
                        break;
                    default:
                        return (ErrorCode.InvalidRequest, $"Unknown operations type {(sbyte)alteration.Operation}");
                }
            }

            return CommitConfigsLocked(kind, resource, current, next, validateOnly);
        }
    }

    /// <summary>AlterConfigs on one resource: its dynamic configs become exactly <paramref name="configs"/>.</summary>
    public (ErrorCode Error, string? Message) ReplaceConfigs(ConfigResourceKind kind, string resource, IReadOnlyList<(string Name, string Value)> configs, bool validateOnly)
    {
        lock (_lock)
        {
            if (ConfigChecks.CheckResource(_image, kind, resource, _config.NodeId) is { } refused)
            {
                return refused;
            }

            var next = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, value) in configs)
            {
                next[name] = value;
            }

            return CommitConfigsLocked(kind, resource, _image.ConfigsOf(kind, resource), next, validateOnly);
        }
    }

    /// <summary>Hands out producer ids in blocks recorded in the log, so ids are never reused after a restart.</summary>
    public long AllocateProducerId()
    {
        lock (_lock)
        {
            if (_nextProducerId >= _producerIdBlockEnd)
            {
                var end = _image.NextProducerId + ProducerIdBlockSize;
                CommitLocked([(new ProducerIdsRecord { BrokerId = _config.NodeId, BrokerEpoch = 0, NextProducerId = end }, ProducerIdsRecord.RecordType, 0)]);
                _nextProducerId = end - ProducerIdBlockSize;
                _producerIdBlockEnd = end;
            }

            return _nextProducerId++;
        }
    }

    private TopicCreationResult? ValidateCreation(MetadataImage image, TopicCreation creation, out List<int[]> assignments)
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

        if (image.TopicsByName.ContainsKey(creation.Name))
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

        var partitions = creation.NumPartitions == -1 ? _config.NumPartitions : creation.NumPartitions;
        if (partitions <= 0)
        {
            return Fail(ErrorCode.InvalidPartitions, "Number of partitions must be larger than 0.");
        }

        var rf = creation.ReplicationFactor == -1 ? _config.DefaultReplicationFactor : creation.ReplicationFactor;
        if (rf <= 0)
        {
            return Fail(ErrorCode.InvalidReplicationFactor, "Replication factor must be larger than 0.");
        }

        var live = image.Brokers.Count;
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

    /// <summary>Auto-created topics use the broker defaults, capped at the brokers there are (as a one-node quick start expects).</summary>
    public TopicCreationResult AutoCreateTopic(string name, int partitions = -1)
    {
        var rf = (short)Math.Min(_config.DefaultReplicationFactor, Math.Max(1, Image.Brokers.Count));
        return CreateTopic(new TopicCreation(name, partitions == -1 ? _config.NumPartitions : partitions, rf, null, new Dictionary<string, string?>()), validateOnly: false);
    }

    private static string CombineList(string? old, string operand, bool append)
    {
        var items = new List<string>((old ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        foreach (var item in operand.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!append)
            {
                items.RemoveAll(i => i == item);
            }
            else if (!items.Contains(item))
            {
                items.Add(item);
            }
        }

        return string.Join(',', items);
    }

    /// <summary>Validates what changes from <paramref name="current"/> to <paramref name="next"/> and writes it as ConfigRecords.</summary>
    private (ErrorCode Error, string? Message) CommitConfigsLocked(ConfigResourceKind kind, string resource, IReadOnlyDictionary<string, string> current, Dictionary<string, string> next, bool validateOnly)
    {
        var records = new List<(IKafkaMessage, short, short)>();
        foreach (var name in next.Keys.Order(StringComparer.Ordinal))
        {
            var value = next[name];
            if (current.TryGetValue(name, out var old) && old == value)
            {
                continue;
            }

            if (ConfigChecks.CheckValue(kind, name, value) is { } invalid)
            {
                return invalid;
            }

            records.Add((new ConfigRecord { ResourceType = (sbyte)kind, ResourceName = resource, Name = name, Value = value }, ConfigRecord.RecordType, 0));
        }

        foreach (var name in current.Keys.Order(StringComparer.Ordinal))
        {
            if (!next.ContainsKey(name))
            {
                records.Add((new ConfigRecord { ResourceType = (sbyte)kind, ResourceName = resource, Name = name, Value = null }, ConfigRecord.RecordType, 0));
            }
        }

        if (!validateOnly && records.Count > 0)
        {
            CommitLocked(records);
        }

        return (ErrorCode.None, null);
    }

    private string? CheckReplicas(int[] replicas)
    {
        if (replicas.Length == 0)
        {
            return "A partition needs at least one replica.";
        }

        for (var i = 0; i < replicas.Length; i++)
        {
            if (!_image.Brokers.ContainsKey(replicas[i]))
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
        var brokers = _image.Brokers.Keys.Order().ToArray();
        var replicas = new int[rf];
        for (var i = 0; i < rf; i++)
        {
            replicas[i] = brokers[(partition + i) % brokers.Length];
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

    /// <summary>
    /// Creates the local logs of new partitions, then commits; on a storage failure of either, nothing is
    /// committed, the logs made for it are removed, and the reason comes back (null on success).
    /// </summary>
    private string? CommitWithLocalLogsLocked(string topic, List<int> localPartitions, IReadOnlyList<(IKafkaMessage Record, short Type, short Version)> records)
    {
        if (LocalLogs is { } logs && localPartitions.Count > 0 && logs.Prepare(topic, localPartitions) is { } refused)
        {
            return refused;
        }

        try
        {
            CommitLocked(records);
            return null;
        }
        catch (KafkaStorageException e)
        {
            LocalLogs?.Discard(topic, localPartitions);
            return e.Message;
        }
    }

    private void CommitLocked(IReadOnlyList<(IKafkaMessage Record, short Type, short Version)> records)
    {
        var last = _log.Append(records, leaderEpoch: 0);
        var image = _image;
        var offset = last - records.Count + 1;
        foreach (var (record, _, _) in records)
        {
            image = MetadataDelta.Apply(image, record, offset++);
        }

        Volatile.Write(ref _image, image);
        ImagePublished?.Invoke(image);
    }
}
