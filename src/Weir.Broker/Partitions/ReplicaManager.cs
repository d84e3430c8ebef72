using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Weir.Broker.Config;
using Weir.Broker.Controller;
using Weir.Broker.Metadata;
using Weir.Broker.Network;
using Weir.Protocol;
using Weir.Storage;
using Weir.Storage.Log;

namespace Weir.Broker.Partitions;

/// <summary>
/// The partitions this broker hosts, kept in step with the broker's metadata image: a partition appears
/// (its log created or loaded) when a committed image assigns it here, and its data is removed when its
/// topic leaves the image. A log that cannot be created then leaves the partition offline on this broker
/// (the commit stands, as in Kafka); the controller asks <see cref="CheckNewReplicas"/> first so that
/// running out of descriptors refuses the creation instead.
/// </summary>
public sealed partial class ReplicaManager : IReplicaCapacity
{
    private readonly LogManager _logs;
    private readonly LogConfig _staticDefaults;
    private readonly BrokerConfig _config;
    private readonly int _nodeId;
    private readonly ConcurrentDictionary<TopicPartition, Partition> _partitions = new();
    private readonly ConcurrentDictionary<TopicPartition, string> _offline = new();
    private readonly Lock _applyLock = new();
    private readonly ILogger _logger;

    public ReplicaManager(LogManager logs, BrokerConfig config, ILogger? logger = null)
    {
        _logs = logs;
        _logger = logger ?? NullLogger.Instance;
        _staticDefaults = LogConfigs.BrokerDefaults(config);
        _config = config;
        _nodeId = config.NodeId;
    }

    public Partition? Get(string topic, int partition) =>
        _partitions.TryGetValue(new TopicPartition(topic, partition), out var p) ? p : null;

    public IEnumerable<Partition> All => _partitions.Values;

    /// <summary>
    /// Why a partition assigned here has no log (its creation failed on applying the committed image), or
    /// null. Such a partition answers KAFKA_STORAGE_ERROR and is reported with this replica offline; a
    /// later image retries the creation.
    /// </summary>
    public string? OfflineReason(string topic, int partition) =>
        _offline.TryGetValue(new TopicPartition(topic, partition), out var reason) ? reason : null;

    /// <summary>
    /// The error for a partition this broker has no <see cref="Partition"/> for: KAFKA_STORAGE_ERROR when it is
    /// assigned here but its log could not be created (a client retries elsewhere once leadership moves),
    /// otherwise UNKNOWN_TOPIC_OR_PARTITION.
    /// </summary>
    public ErrorCode NotHostedError(string topic, int partition) =>
        OfflineReason(topic, partition) is null ? ErrorCode.UnknownTopicOrPartition : ErrorCode.KafkaStorageError;

    /// <summary>Brings hosted partitions in line with <paramref name="image"/>.</summary>
    public void Apply(MetadataImage image)
    {
        lock (_applyLock)
        {
            var brokerDefaults = BrokerDefaults(image);
            foreach (var topic in image.TopicsByName.Values)
            {
                var config = LogConfigs.ForTopic(brokerDefaults, image, topic.Name);
                foreach (var registration in topic.Partitions)
                {
                    if (registration is null || Array.IndexOf(registration.Replicas, _nodeId) < 0)
                    {
                        continue;
                    }

                    var tp = new TopicPartition(topic.Name, registration.PartitionId);
                    if (!_partitions.TryGetValue(tp, out var partition) || partition.TopicId != topic.Id)
                    {
                        PartitionLog log;
                        try
                        {
                            log = _logs.GetOrCreateLog(tp, config);
                        }
                        catch (KafkaStorageException e)
                        {
                            // Committed all the same: offline here until a later image retries, the broker stays
                            // up (the controller's capacity check makes this a race or a broken dir).
                            if (_offline.TryAdd(tp, e.Message))
                            {
                                LogCannotHost(_logger, tp.ToString(), e.Message);
                            }

                            continue;
                        }

                        _offline.TryRemove(tp, out _);

                        // A topic re-created under the same name: produces still waiting on the old one fail now.
                        partition?.Stop();

                        // A log loaded at start-up was opened with the broker defaults.
                        log.Config = config;
                        partition = new Partition(tp, topic.Id, log, _nodeId);
                        partition.RebuildProducerState();
                        _partitions[tp] = partition;
                    }
                    else if (!partition.Log.Config.Equals(config))
                    {
                        partition.Log.Config = config;
                    }

                    ApplyLeadership(partition, registration);
                }
            }

            foreach (var (tp, partition) in _partitions)
            {
                if (!image.TopicsByName.TryGetValue(tp.Topic, out var topic) || topic.Id != partition.TopicId || tp.Partition >= topic.Partitions.Length)
                {
                    _partitions.TryRemove(tp, out _);
                    partition.Stop();
                    _logs.DeleteLog(tp);
                }
            }

            foreach (var tp in _offline.Keys)
            {
                if (!image.TopicsByName.TryGetValue(tp.Topic, out var topic) || tp.Partition >= topic.Partitions.Length)
                {
                    _offline.TryRemove(tp, out _);
                }
            }
        }
    }

    /// <summary>
    /// The registration's leadership as this broker's part in it: leader (Kafka's makeLeader, which also
    /// recomputes the high watermark: a leader alone in its ISR has every record it holds committed,
    /// even when the checkpointed high watermark lagged after a crash) or follower.
    /// </summary>
    private void ApplyLeadership(Partition partition, PartitionRegistration registration)
    {
        if (registration.Leader == _nodeId)
        {
            partition.MakeLeader(registration.LeaderEpoch, registration.PartitionEpoch, registration.Replicas, registration.Isr);
        }
        else
        {
            partition.MakeFollower(registration.Leader, registration.LeaderEpoch, registration.PartitionEpoch, registration.Replicas, registration.Isr);
        }
    }

    /// <inheritdoc/>
    public string? CheckNewReplicas(string topic, int count)
    {
        // Kept back as for connections: past the reserve even the metadata log's next write (a
        // DeleteTopics that would free descriptors) fails, and the runtime aborts when a thread finds none.
        // Counted without creating anything: the logs are made when the committed image reaches Apply.
        var soft = FileDescriptors.SoftLimit;
        if (soft != long.MaxValue && FileDescriptors.CountOpen() is var open and >= 0
            && open + ((long)count * FileDescriptors.FilesPerPartition) > soft - FileDescriptors.Reserve)
        {
            var reason = $"Too many open files: {open} of the limit of {soft} are open and {FileDescriptors.Reserve} are kept for the broker itself (raise ulimit -n)";
            LogRefused(_logger, topic, count, reason);
            return $"Cannot create {count} partition(s) of {topic}: {reason}";
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Refusing to create {Count} partition(s) of {Topic}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string topic, int count, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Cannot host partition {Partition}: {Reason}")]
    private static partial void LogCannotHost(ILogger logger, string partition, string reason);

    /// <summary>Topic defaults as of <paramref name="image"/>: dynamic broker configs take effect on every log without an override.</summary>
    private LogConfig BrokerDefaults(MetadataImage image)
    {
        var resolver = new ConfigResolver(_config, image);
        if (resolver.HasNoDynamicBrokerConfigs)
        {
            return _staticDefaults;
        }

        // Values were validated when set; one the log cannot model leaves the static defaults in force.
        return LogConfigs.TryBrokerDefaults(_config, resolver.DynamicBrokerValue, out var defaults, out _) ? defaults : _staticDefaults;
    }
}
