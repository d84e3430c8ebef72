using System.Text;
using Weir.Protocol.Records;

namespace Weir.Client.Consumer;

/// <summary>
/// One consumed record. Key, value and headers are slices of the fetch response (or of the
/// batch's decompressed bytes): nothing is copied per record unless asked for with
/// <see cref="GetKeyArray"/>, <see cref="GetValueArray"/> or <see cref="Headers"/>.
/// </summary>
public readonly struct ConsumeResult
{
    private readonly ReadOnlyMemory<byte> _headers;
    private readonly byte _flags;

    internal ConsumeResult(
        string topic,
        int partition,
        long offset,
        long timestamp,
        TimestampType timestampType,
        int leaderEpoch,
        ReadOnlyMemory<byte> key,
        bool isKeyNull,
        ReadOnlyMemory<byte> value,
        bool isValueNull,
        ReadOnlyMemory<byte> headers,
        int headerCount)
    {
        Topic = topic;
        Partition = partition;
        Offset = offset;
        Timestamp = timestamp;
        TimestampType = timestampType;
        LeaderEpoch = leaderEpoch;
        Key = key;
        Value = value;
        _headers = headers;
        HeaderCount = headerCount;
        _flags = (byte)((isKeyNull ? 1 : 0) | (isValueNull ? 2 : 0));
    }

    public string Topic { get; }

    public int Partition { get; }

    public TopicPartition TopicPartition => new(Topic, Partition);

    public long Offset { get; }

    /// <summary>Milliseconds since the epoch (CreateTime or LogAppendTime, see <see cref="TimestampType"/>); -1 when none.</summary>
    public long Timestamp { get; }

    public TimestampType TimestampType { get; }

    /// <summary>The partition leader epoch of the batch, or -1.</summary>
    public int LeaderEpoch { get; }

    /// <summary>The key bytes; empty when <see cref="IsKeyNull"/>.</summary>
    public ReadOnlyMemory<byte> Key { get; }

    /// <summary>The value bytes; empty when <see cref="IsValueNull"/> (a tombstone).</summary>
    public ReadOnlyMemory<byte> Value { get; }

    public bool IsKeyNull => (_flags & 1) != 0;

    public bool IsValueNull => (_flags & 2) != 0;

    public int HeaderCount { get; }

    /// <summary>The key as a new array, or null.</summary>
    public byte[]? GetKeyArray() => IsKeyNull ? null : Key.ToArray();

    /// <summary>The value as a new array, or null.</summary>
    public byte[]? GetValueArray() => IsValueNull ? null : Value.ToArray();

    /// <summary>The key decoded as UTF-8, or null.</summary>
    public string? KeyString => IsKeyNull ? null : Encoding.UTF8.GetString(Key.Span);

    /// <summary>The value decoded as UTF-8, or null.</summary>
    public string? ValueString => IsValueNull ? null : Encoding.UTF8.GetString(Value.Span);

    /// <summary>The headers, decoded on each call (the bytes were checked when the record was read).</summary>
    public IReadOnlyList<RecordHeader> Headers
    {
        get
        {
            if (HeaderCount == 0)
            {
                return [];
            }

            var result = new RecordHeader[HeaderCount];
            var bytes = _headers.Span;
            var position = 0;
            for (var i = 0; i < result.Length; i++)
            {
                var keyLength = ReadVarInt(bytes, ref position);
                var key = Encoding.UTF8.GetString(bytes.Slice(position, keyLength));
                position += keyLength;
                var valueLength = ReadVarInt(bytes, ref position);
                byte[]? value = null;
                if (valueLength >= 0)
                {
                    value = bytes.Slice(position, valueLength).ToArray();
                    position += valueLength;
                }

                result[i] = new RecordHeader(key, value);
            }

            return result;
        }
    }

    /// <summary>A zigzag varint, as record headers encode lengths (already checked when the record was read).</summary>
    private static int ReadVarInt(ReadOnlySpan<byte> bytes, ref int position)
    {
        uint raw = 0;
        var shift = 0;
        byte b;
        do
        {
            b = bytes[position++];
            raw |= (uint)(b & 0x7F) << shift;
            shift += 7;
        }
        while ((b & 0x80) != 0 && shift < 35);

        return (int)(raw >> 1) ^ -(int)(raw & 1);
    }

    public override string ToString() => $"{Topic}-{Partition}@{Offset}";
}
