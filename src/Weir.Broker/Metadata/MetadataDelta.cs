using System.Collections.Immutable;
using Weir.Protocol;
using Weir.Protocol.Metadata;

namespace Weir.Broker.Metadata;

/// <summary>
/// Applies metadata records to an image, producing the next image (Kafka's MetadataDelta).
/// Records are facts already decided by the controller: applying them never fails on content.
/// </summary>
public static class MetadataDelta
{
    public static MetadataImage Apply(MetadataImage image, IKafkaMessage record, long offset)
    {
        var next = record switch
        {
            TopicRecord t => AddTopic(image, t),
            PartitionRecord p => SetPartition(image, p.TopicId, new PartitionRegistration(p.PartitionId, [.. p.Replicas], [.. p.Isr], p.Leader, p.LeaderEpoch, p.PartitionEpoch)),
            PartitionChangeRecord c => ChangePartition(image, c),
            RemoveTopicRecord r => RemoveTopic(image, r.TopicId),
            ConfigRecord c => SetConfig(image, (ConfigResourceKind)c.ResourceType, c.ResourceName, c.Name, c.Value),
            RegisterBrokerRecord b => RegisterBroker(image, b),
            ProducerIdsRecord p => image with { NextProducerId = p.NextProducerId },
            _ => image,
        };
        return next with { Offset = offset };
    }

    private static MetadataImage AddTopic(MetadataImage image, TopicRecord t)
    {
        var topic = new TopicImage(t.Name, t.TopicId, []);
        return image with
        {
            TopicsByName = image.TopicsByName.SetItem(t.Name, topic),
            TopicsById = image.TopicsById.SetItem(t.TopicId, topic),
        };
    }

    private static MetadataImage SetPartition(MetadataImage image, Guid topicId, PartitionRegistration partition)
    {
        if (!image.TopicsById.TryGetValue(topicId, out var topic))
        {
            return image;
        }

        var partitions = topic.Partitions;
        while (partitions.Length <= partition.PartitionId)
        {
            partitions = partitions.Add(null!);
        }

        var updated = topic with { Partitions = partitions.SetItem(partition.PartitionId, partition) };
        return image with
        {
            TopicsByName = image.TopicsByName.SetItem(updated.Name, updated),
            TopicsById = image.TopicsById.SetItem(updated.Id, updated),
        };
    }

    private static MetadataImage ChangePartition(MetadataImage image, PartitionChangeRecord c)
    {
        if (!image.TopicsById.TryGetValue(c.TopicId, out var topic) || c.PartitionId >= topic.Partitions.Length)
        {
            return image;
        }

        var old = topic.Partitions[c.PartitionId];
        // Leader -2 means "unchanged" in PartitionChangeRecord; a new leader bumps the leader epoch.
        var leader = c.Leader == -2 ? old.Leader : c.Leader;
        var changed = old with
        {
            Leader = leader,
            Isr = c.Isr is null ? old.Isr : [.. c.Isr],
            Replicas = c.Replicas is null ? old.Replicas : [.. c.Replicas],
            LeaderEpoch = c.Leader == -2 ? old.LeaderEpoch : old.LeaderEpoch + 1,
            PartitionEpoch = old.PartitionEpoch + 1,
        };
        return SetPartition(image, c.TopicId, changed);
    }

    private static MetadataImage RemoveTopic(MetadataImage image, Guid topicId)
    {
        if (!image.TopicsById.TryGetValue(topicId, out var topic))
        {
            return image;
        }

        return image with
        {
            TopicsByName = image.TopicsByName.Remove(topic.Name),
            TopicsById = image.TopicsById.Remove(topicId),
            Configs = image.Configs.Remove((ConfigResourceKind.Topic, topic.Name)),
        };
    }

    private static MetadataImage SetConfig(MetadataImage image, ConfigResourceKind kind, string resource, string name, string? value)
    {
        var key = (kind, resource);
        var configs = image.Configs.TryGetValue(key, out var c) ? c : ImmutableDictionary.Create<string, string>(StringComparer.Ordinal);
        configs = value is null ? configs.Remove(name) : configs.SetItem(name, value);
        return image with { Configs = configs.IsEmpty ? image.Configs.Remove(key) : image.Configs.SetItem(key, configs) };
    }

    private static MetadataImage RegisterBroker(MetadataImage image, RegisterBrokerRecord b)
    {
        var endpoint = b.EndPoints.Count > 0 ? b.EndPoints[0] : null;
        var broker = new BrokerRegistration(b.BrokerId, endpoint?.Host ?? "localhost", endpoint?.Port ?? 9092, b.Rack, b.Fenced);
        return image with { Brokers = image.Brokers.SetItem(b.BrokerId, broker) };
    }
}
