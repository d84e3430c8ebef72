using Weir.Protocol.Messages;
using Weir.Protocol.Primitives;

namespace Weir.Client.Consumer.Assignors;

/// <summary>The "consumer" protocol's metadata and assignment bytes: an int16 version, then the struct.</summary>
internal static class ConsumerProtocol
{
    public const string ProtocolType = "consumer";

    private const short SubscriptionVersion = 3;
    private const short AssignmentVersion = 3;

    public static byte[] EncodeSubscription(IReadOnlyCollection<string> topics, IReadOnlyCollection<TopicPartition> owned, int generationId, string? rackId)
    {
        var message = new ConsumerProtocolSubscription { Topics = [.. topics], OwnedPartitions = Group(owned), GenerationId = generationId, RackId = rackId };
        return Encode(message, SubscriptionVersion);
    }

    public static MemberSubscription DecodeSubscription(string memberId, string? groupInstanceId, byte[] metadata)
    {
        var reader = new KafkaReader(metadata);
        var version = Math.Min(reader.ReadInt16(), ConsumerProtocolSubscription.HighestSupportedVersion);
        var message = ConsumerProtocolSubscription.Read(ref reader, version);
        var owned = new List<TopicPartition>();
        foreach (var t in message.OwnedPartitions)
        {
            foreach (var p in t.Partitions)
            {
                owned.Add(new TopicPartition(t.Topic, p));
            }
        }

        return new MemberSubscription(memberId, groupInstanceId, message.Topics, owned, version >= 2 ? message.GenerationId : -1);
    }

    public static byte[] EncodeAssignment(IReadOnlyCollection<TopicPartition> partitions)
    {
        var message = new ConsumerProtocolAssignment();
        foreach (var group in Group(partitions))
        {
            message.AssignedPartitions.Add(new ConsumerProtocolAssignment.TopicPartition { Topic = group.Topic, Partitions = group.Partitions });
        }

        return Encode(message, AssignmentVersion);
    }

    public static List<TopicPartition> DecodeAssignment(byte[] bytes)
    {
        var result = new List<TopicPartition>();
        if (bytes.Length < 2)
        {
            return result; // an empty assignment
        }

        var reader = new KafkaReader(bytes);
        var version = Math.Min(reader.ReadInt16(), ConsumerProtocolAssignment.HighestSupportedVersion);
        var message = ConsumerProtocolAssignment.Read(ref reader, version);
        foreach (var t in message.AssignedPartitions)
        {
            foreach (var p in t.Partitions)
            {
                result.Add(new TopicPartition(t.Topic, p));
            }
        }

        return result;
    }

    private static List<ConsumerProtocolSubscription.TopicPartition> Group(IReadOnlyCollection<TopicPartition> partitions)
    {
        var result = new List<ConsumerProtocolSubscription.TopicPartition>();
        var byTopic = new Dictionary<string, ConsumerProtocolSubscription.TopicPartition>(StringComparer.Ordinal);
        foreach (var tp in partitions)
        {
            if (!byTopic.TryGetValue(tp.Topic, out var t))
            {
                byTopic[tp.Topic] = t = new ConsumerProtocolSubscription.TopicPartition { Topic = tp.Topic, Partitions = [] };
                result.Add(t);
            }

            t.Partitions.Add(tp.Partition);
        }

        return result;
    }

    private static byte[] Encode<T>(T message, short version)
        where T : Weir.Protocol.IKafkaMessage
    {
        var bytes = new byte[2 + message.ComputeSize(version)];
        var writer = new KafkaWriter(bytes);
        writer.WriteInt16(version);
        message.Write(ref writer, version);
        return bytes;
    }
}
