using System.Collections.Concurrent;
using Weir.Broker.Config;
using Weir.Broker.Metadata;
using Weir.Storage;

namespace Weir.Broker.Partitions;

/// <summary>
/// The partitions this broker hosts, kept in step with the metadata image: a partition appears
/// (its log created or loaded) when the image assigns it here, and its data is removed when its
/// topic leaves the image.
/// </summary>
public sealed class ReplicaManager
{
    private readonly LogManager _logs;
    private readonly LogConfig _brokerDefaults;
    private readonly int _nodeId;
    private readonly ConcurrentDictionary<TopicPartition, Partition> _partitions = new();
    private readonly Lock _applyLock = new();

    public ReplicaManager(LogManager logs, BrokerConfig config)
    {
        _logs = logs;
        _brokerDefaults = LogConfigs.BrokerDefaults(config);
        _nodeId = config.NodeId;
    }

    public Partition? Get(string topic, int partition) =>
        _partitions.TryGetValue(new TopicPartition(topic, partition), out var p) ? p : null;

    public IEnumerable<Partition> All => _partitions.Values;

    /// <summary>Brings hosted partitions in line with <paramref name="image"/>.</summary>
    public void Apply(MetadataImage image)
    {
        lock (_applyLock)
        {
            foreach (var topic in image.TopicsByName.Values)
            {
                var config = LogConfigs.ForTopic(_brokerDefaults, image, topic.Name);
                foreach (var registration in topic.Partitions)
                {
                    if (registration is null || Array.IndexOf(registration.Replicas, _nodeId) < 0)
                    {
                        continue;
                    }

                    var tp = new TopicPartition(topic.Name, registration.PartitionId);
                    if (!_partitions.TryGetValue(tp, out var partition) || partition.TopicId != topic.Id)
                    {
                        var log = _logs.GetOrCreateLog(tp, config);
                        partition = new Partition(tp, topic.Id, log);
                        _partitions[tp] = partition;
                    }
                    else if (!ReferenceEquals(partition.Log.Config, config))
                    {
                        partition.Log.Config = config;
                    }

                    partition.Leader = registration.Leader;
                    partition.LeaderEpoch = registration.LeaderEpoch;
                    if (registration.Leader == _nodeId)
                    {
                        // As Kafka's makeLeader: the epoch starts at the log end even before anything is
                        // appended in it, so OffsetForLeaderEpoch knows it (a no-op when already recorded).
                        partition.Log.LeaderEpochCache.Assign(registration.LeaderEpoch, partition.Log.LogEndOffset);
                    }

                    partition.Replicas = registration.Replicas;
                    partition.Isr = registration.Isr;
                }
            }

            foreach (var (tp, partition) in _partitions)
            {
                if (!image.TopicsByName.TryGetValue(tp.Topic, out var topic) || topic.Id != partition.TopicId || tp.Partition >= topic.Partitions.Length)
                {
                    _partitions.TryRemove(tp, out _);
                    _logs.DeleteLog(tp);
                }
            }
        }
    }
}
