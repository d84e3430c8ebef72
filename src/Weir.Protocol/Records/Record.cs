namespace Weir.Protocol.Records;

/// <summary>
/// One record of a v2 batch, as views into the batch bytes (or the pooled buffer the batch was
/// decompressed into): valid only while that buffer is. Offsets and timestamps are absolute.
/// </summary>
public readonly ref struct Record
{
    private readonly ReadOnlySpan<byte> _headers;

    internal Record(
        long offset,
        long timestamp,
        int offsetDelta,
        long timestampDelta,
        byte attributes,
        ReadOnlySpan<byte> key,
        bool isKeyNull,
        ReadOnlySpan<byte> value,
        bool isValueNull,
        ReadOnlySpan<byte> headers,
        int headerCount)
    {
        Offset = offset;
        Timestamp = timestamp;
        OffsetDelta = offsetDelta;
        TimestampDelta = timestampDelta;
        Attributes = attributes;
        Key = key;
        IsKeyNull = isKeyNull;
        Value = value;
        IsValueNull = isValueNull;
        _headers = headers;
        HeaderCount = headerCount;
    }

    /// <summary>baseOffset + offsetDelta.</summary>
    public long Offset { get; }

    /// <summary>baseTimestamp + timestampDelta, or the batch's maxTimestamp when it uses LogAppendTime.</summary>
    public long Timestamp { get; }

    public int OffsetDelta { get; }

    public long TimestampDelta { get; }

    /// <summary>The record's attributes byte (no bits are used by Kafka).</summary>
    public byte Attributes { get; }

    /// <summary>The key; empty when <see cref="IsKeyNull"/>.</summary>
    public ReadOnlySpan<byte> Key { get; }

    public bool IsKeyNull { get; }

    /// <summary>The value; empty when <see cref="IsValueNull"/> (a tombstone).</summary>
    public ReadOnlySpan<byte> Value { get; }

    public bool IsValueNull { get; }

    public int HeaderCount { get; }

    public RecordHeaderEnumerator Headers => new(_headers, HeaderCount);

    /// <summary>The encoded headers (<see cref="HeaderCount"/> of them), for a client that keeps them undecoded.</summary>
    public ReadOnlySpan<byte> HeaderBytes => _headers;
}
