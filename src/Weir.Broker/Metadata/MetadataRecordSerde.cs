using Weir.Protocol;
using Weir.Protocol.Metadata;
using Weir.Protocol.Primitives;

namespace Weir.Broker.Metadata;

/// <summary>
/// Frames metadata records as KRaft stores them in <c>__cluster_metadata</c> record values:
/// unsigned varints frame version (1), record type (the schema's apiKey) and record version,
/// then the record itself.
/// </summary>
public static class MetadataRecordSerde
{
    public const uint FrameVersion = 1;

    public static byte[] Serialize(IKafkaMessage record, short recordType, short version)
    {
        var size = KafkaWriter.SizeOfUnsignedVarInt(FrameVersion)
            + KafkaWriter.SizeOfUnsignedVarInt((uint)recordType)
            + KafkaWriter.SizeOfUnsignedVarInt((uint)version)
            + record.ComputeSize(version);
        var bytes = new byte[size];
        var writer = new KafkaWriter(bytes);
        writer.WriteUnsignedVarInt(FrameVersion);
        writer.WriteUnsignedVarInt((uint)recordType);
        writer.WriteUnsignedVarInt((uint)version);
        record.Write(ref writer, version);
        return bytes;
    }

    /// <summary>Reads one framed record; record types this broker does not apply come back as null.</summary>
    public static IKafkaMessage? Deserialize(ReadOnlySpan<byte> value)
    {
        var reader = new KafkaReader(value);
        var frame = reader.ReadUnsignedVarInt();
        if (frame != FrameVersion)
        {
            throw new ProtocolException($"Unknown metadata record frame version {frame}.");
        }

        var type = (short)reader.ReadUnsignedVarInt();
        var version = (short)reader.ReadUnsignedVarInt();
        return type switch
        {
            RegisterBrokerRecord.RecordType => RegisterBrokerRecord.Read(ref reader, version),
            TopicRecord.RecordType => TopicRecord.Read(ref reader, version),
            PartitionRecord.RecordType => PartitionRecord.Read(ref reader, version),
            ConfigRecord.RecordType => ConfigRecord.Read(ref reader, version),
            PartitionChangeRecord.RecordType => PartitionChangeRecord.Read(ref reader, version),
            RemoveTopicRecord.RecordType => RemoveTopicRecord.Read(ref reader, version),
            ProducerIdsRecord.RecordType => ProducerIdsRecord.Read(ref reader, version),
            FeatureLevelRecord.RecordType => FeatureLevelRecord.Read(ref reader, version),
            _ => null,
        };
    }
}
