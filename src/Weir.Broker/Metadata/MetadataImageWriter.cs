using Weir.Protocol;
using Weir.Protocol.Metadata;

namespace Weir.Broker.Metadata;

/// <summary>
/// The image as the metadata records that rebuild it (Kafka's <c>MetadataImage.write</c> to an
/// ImageWriter): what a snapshot holds. Applying them in order to an empty image with
/// <see cref="MetadataDelta"/> gives the same image. The order is deterministic (brokers by id, topics by
/// name, each followed by its partitions, configs by resource and name, then the producer id block), so
/// two equal images give the same bytes.
/// </summary>
public static class MetadataImageWriter
{
    /// <summary>Kafka's ProducerIdsImage writes its block with no owner.</summary>
    private const int NoBroker = -1;

    public static List<(IKafkaMessage Record, short Type, short Version)> Records(MetadataImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var records = new List<(IKafkaMessage, short, short)>();
        var brokers = image.Brokers.Keys.ToArray();
        Array.Sort(brokers);
        foreach (var id in brokers)
        {
            records.Add((BrokerRecord(image.Brokers[id]), RegisterBrokerRecord.RecordType, 0));
        }

        var topics = image.TopicsByName.Keys.ToArray();
        Array.Sort(topics, StringComparer.Ordinal);
        foreach (var name in topics)
        {
            var topic = image.TopicsByName[name];
            records.Add((new TopicRecord { Name = topic.Name, TopicId = topic.Id }, TopicRecord.RecordType, 0));
            foreach (var p in topic.Partitions)
            {
                if (p is null)
                {
                    continue;
                }

                var partition = new PartitionRecord
                {
                    PartitionId = p.PartitionId,
                    TopicId = topic.Id,
                    Replicas = [.. p.Replicas],
                    Isr = [.. p.Isr],
                    Leader = p.Leader,
                    LeaderEpoch = p.LeaderEpoch,
                    PartitionEpoch = p.PartitionEpoch,
                };
                records.Add((partition, PartitionRecord.RecordType, 0));
            }
        }

        var resources = image.Configs.Keys.ToArray();
        Array.Sort(resources, (a, b) => a.Kind != b.Kind ? a.Kind.CompareTo(b.Kind) : string.CompareOrdinal(a.Name, b.Name));
        foreach (var resource in resources)
        {
            var configs = image.Configs[resource];
            var names = configs.Keys.ToArray();
            Array.Sort(names, StringComparer.Ordinal);
            foreach (var name in names)
            {
                var config = new ConfigRecord { ResourceType = (sbyte)resource.Kind, ResourceName = resource.Name, Name = name, Value = configs[name] };
                records.Add((config, ConfigRecord.RecordType, 0));
            }
        }

        if (image.NextProducerId > 0)
        {
            records.Add((new ProducerIdsRecord { BrokerId = NoBroker, BrokerEpoch = NoBroker, NextProducerId = image.NextProducerId }, ProducerIdsRecord.RecordType, 0));
        }

        return records;
    }

    /// <summary>
    /// The image keeps a broker's client endpoint, rack and fencing; its listener name, incarnation id and
    /// epoch are not in the image, so the record carries Kafka's default listener name and no epoch.
    /// </summary>
    private static RegisterBrokerRecord BrokerRecord(BrokerRegistration broker) => new()
    {
        BrokerId = broker.NodeId,
        BrokerEpoch = NoBroker,
        Rack = broker.Rack,
        Fenced = broker.Fenced,
        EndPoints = [new RegisterBrokerRecord.BrokerEndpoint { Name = "PLAINTEXT", Host = broker.Host, Port = (ushort)broker.Port, SecurityProtocol = 0 }],
    };
}
