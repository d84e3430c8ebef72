namespace Weir.Storage.Log;

/// <summary>A timestamp and an offset; a time-index entry or a ListOffsets answer.</summary>
public readonly record struct TimestampOffset(long Timestamp, long Offset)
{
    /// <summary>Kafka's "no entry" value.</summary>
    public static TimestampOffset Unknown { get; } = new(-1, -1);
}
