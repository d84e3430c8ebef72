using Weir.Protocol.Records;

namespace Weir.Storage.Log;

/// <summary>
/// Walks the records of an uncompressed v2 batch for their timestamps (ListOffsets by time and
/// max-timestamp need the exact record). Only the varint prefix of each record is decoded.
/// </summary>
internal static class RecordTimestamps
{
    /// <summary>
    /// The first record with timestamp ≥ <paramref name="target"/> and offset ≥ <paramref name="minOffset"/>.
    /// For a compressed batch (records not decoded here) the answer is the batch-level approximation
    /// (max(baseOffset, minOffset), maxTimestamp).
    /// </summary>
    public static TimestampOffset FindFirstAtLeast(ReadOnlySpan<byte> batch, long target, long minOffset)
    {
        var h = new RecordBatchHeader(batch);
        if (h.MaxTimestamp < target || h.LastOffset < minOffset)
        {
            return TimestampOffset.Unknown;
        }

        if (h.IsLogAppendTime || h.Compression != CompressionType.None)
        {
            // LogAppendTime: every record carries maxTimestamp. Compressed: approximate at batch level.
            return new TimestampOffset(h.MaxTimestamp, Math.Max(h.BaseOffset, minOffset));
        }

        var baseOffset = h.BaseOffset;
        var baseTimestamp = h.BaseTimestamp;
        var count = h.RecordsCount;
        var pos = RecordBatchHeader.Size;
        for (var i = 0; i < count && pos < batch.Length; i++)
        {
            var length = (int)ReadVarLong(batch, ref pos);
            var recordStart = pos;
            pos++; // attributes
            var timestamp = baseTimestamp + ReadVarLong(batch, ref pos);
            var offset = baseOffset + ReadVarLong(batch, ref pos);
            if (timestamp >= target && offset >= minOffset)
            {
                return new TimestampOffset(timestamp, offset);
            }

            pos = recordStart + length;
        }

        return TimestampOffset.Unknown;
    }

    private static long ReadVarLong(ReadOnlySpan<byte> s, ref int pos)
    {
        ulong raw = 0;
        var shift = 0;
        while (true)
        {
            var b = s[pos++];
            raw |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                break;
            }

            shift += 7;
            if (shift > 63)
            {
                throw new InvalidDataException("Varint is too long.");
            }
        }

        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }
}
