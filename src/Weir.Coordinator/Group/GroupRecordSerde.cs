using Weir.Protocol;
using Weir.Protocol.GroupCoordinator;
using Weir.Protocol.Primitives;

namespace Weir.Coordinator.Group;

/// <summary>
/// Kafka's <c>__consumer_offsets</c> record encoding: an int16 schema version then the schema body,
/// for key and value alike. The key's version is the record type (0-1 offset commit, 2 group metadata).
/// </summary>
internal static class GroupRecordSerde
{
    public const short OffsetCommitKeyVersion = 1;
    public const short GroupMetadataKeyVersion = 2;

    // Kafka writes OffsetCommitValue v1 only when an explicit expire timestamp exists, else v3.
    public const short OffsetCommitValueVersion = 3;
    public const short OffsetCommitValueWithExpiryVersion = 1;
    public const short GroupMetadataValueVersion = 3;

    public static byte[] Encode(IKafkaMessage message, short version)
    {
        var bytes = new byte[2 + message.ComputeSize(version)];
        var writer = new KafkaWriter(bytes);
        writer.WriteInt16(version);
        message.Write(ref writer, version);
        return bytes;
    }

    public static GroupRecord OffsetCommit(string groupId, string topic, int partition, OffsetAndMetadata offset)
    {
        var key = Encode(new OffsetCommitKey { group = groupId, topic = topic, partition = partition }, OffsetCommitKeyVersion);
        var value = new OffsetCommitValue
        {
            offset = offset.Offset,
            leaderEpoch = offset.LeaderEpoch,
            metadata = offset.Metadata,
            commitTimestamp = offset.CommitTimestampMs,
            expireTimestamp = offset.ExpireTimestampMs ?? -1,
        };
        var version = offset.ExpireTimestampMs is null ? OffsetCommitValueVersion : OffsetCommitValueWithExpiryVersion;
        return new GroupRecord(key, Encode(value, version));
    }

    public static GroupRecord OffsetCommitTombstone(string groupId, string topic, int partition) =>
        new(Encode(new OffsetCommitKey { group = groupId, topic = topic, partition = partition }, OffsetCommitKeyVersion), null);

    public static GroupRecord GroupMetadata(string groupId, GroupMetadataValue value) =>
        new(Encode(new GroupMetadataKey { group = groupId }, GroupMetadataKeyVersion), Encode(value, GroupMetadataValueVersion));

    public static GroupRecord GroupMetadataTombstone(string groupId) =>
        new(Encode(new GroupMetadataKey { group = groupId }, GroupMetadataKeyVersion), null);

    /// <summary>Reads the int16 version prefix and returns a reader positioned on the body.</summary>
    public static short ReadVersion(ReadOnlyMemory<byte> bytes, out KafkaReader reader)
    {
        reader = new KafkaReader(bytes);
        return reader.ReadInt16();
    }
}
