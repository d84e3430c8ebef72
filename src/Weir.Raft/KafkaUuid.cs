using System.Buffers.Text;

namespace Weir.Raft;

/// <summary>Kafka's Uuid as a Guid laid out as on the wire (most significant long first), and its text form.</summary>
internal static class KafkaUuid
{
    /// <summary>Kafka's METADATA_TOPIC_ID, Uuid(0, 1): the id of __cluster_metadata.</summary>
    public static readonly Guid MetadataTopicId = FromLongs(0, 1);

    public static Guid FromLongs(long mostSignificant, long leastSignificant)
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes, mostSignificant);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes[8..], leastSignificant);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>URL-safe base64 without padding, as Kafka's Uuid.toString.</summary>
    public static string ToText(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        return Base64Url.EncodeToString(bytes);
    }

    public static Guid FromText(string text)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (!Base64Url.TryDecodeFromChars(text, bytes, out var written) || written != 16)
        {
            throw new FormatException($"'{text}' is not a Kafka Uuid");
        }
        return new Guid(bytes, bigEndian: true);
    }
}
