using Weir.Storage.Checkpoints;

namespace Weir.Storage.Log;

public sealed partial class PartitionLog
{
    /// <summary>
    /// Reads whole batches starting with the one holding <paramref name="offset"/> (it may begin before
    /// <paramref name="offset"/>), from one segment, up to <paramref name="maxBytes"/> and below
    /// <paramref name="maxOffset"/> (exclusive; the high watermark for consumers, <see cref="long.MaxValue"/>
    /// for replicas). With <paramref name="minOneBatch"/> the first batch is returned whole even when larger
    /// than <paramref name="maxBytes"/>. OFFSET_OUT_OF_RANGE below the log start or above the log end offset.
    /// </summary>
    public FetchSlice Read(long offset, int maxBytes, long maxOffset, bool minOneBatch)
    {
        // Order matters: the high watermark, then the end, then the segment list, each no older than the last.
        var hwMeta = Volatile.Read(ref _highWatermark);
        var endMeta = Volatile.Read(ref _end);
        var segs = Volatile.Read(ref _segments);
        var logStart = LogStartOffset;
        if (offset < logStart || offset > endMeta.Offset)
        {
            return new FetchSlice(LogError.OffsetOutOfRange, null, 0, 0, -1, hwMeta.Offset, logStart, endMeta.Offset);
        }

        var empty = new FetchSlice(LogError.None, null, 0, 0, -1, hwMeta.Offset, logStart, endMeta.Offset);
        var bound = maxOffset >= endMeta.Offset ? endMeta
            : maxOffset == hwMeta.Offset ? hwMeta
            : null;
        var limitOffset = Math.Min(maxOffset, endMeta.Offset);
        if (offset >= limitOffset)
        {
            return empty;
        }

        var i = FloorSegment(segs, offset);
        if (i < 0)
        {
            // Retention removed the segment between our reads of the start offset and the segment list.
            return empty with { Error = LogError.OffsetOutOfRange };
        }

        for (; i < segs.Length; i++)
        {
            var segment = segs[i];
            if (bound is not null && segment.BaseOffset > bound.SegmentBaseOffset)
            {
                return empty;
            }

            var maxPosition = bound is not null && segment.BaseOffset == bound.SegmentBaseOffset ? bound.Position : segment.Size;
            var (position, batch) = segment.Translate(offset, maxPosition);
            if (position < 0)
            {
                continue; // the offset lies past this segment's data (or in a gap); try the next one
            }

            if (batch.BaseOffset >= limitOffset)
            {
                return empty;
            }

            if (bound is null)
            {
                // An arbitrary maxOffset: cut at the batch holding it.
                var (limitPosition, _) = segment.Translate(limitOffset, maxPosition);
                if (limitPosition >= 0)
                {
                    maxPosition = limitPosition;
                }
            }

            var available = maxPosition - position;
            if (available <= 0)
            {
                return empty;
            }

            var length = maxBytes >= available ? available : segment.EndOfWholeBatches(position, maxBytes, maxPosition) - position;
            if (length == 0 && minOneBatch)
            {
                length = Math.Min(batch.Size, available);
            }

            return length == 0
                ? empty
                : new FetchSlice(LogError.None, segment.Handle, position, length, batch.BaseOffset, hwMeta.Offset, logStart, endMeta.Offset);
        }

        return empty;
    }

    /// <summary>
    /// ListOffsets by timestamp: the first record with timestamp ≥ <paramref name="timestamp"/> at or after the
    /// log start offset, or null when every record is older (Kafka's <c>fetchOffsetByTimestamp</c>).
    /// </summary>
    public TimestampOffset? FindOffsetByTimestamp(long timestamp)
    {
        lock (_lock)
        {
            ThrowIfClosed();
            foreach (var segment in _segments)
            {
                if (segment.MaxTimestampSoFar.Timestamp >= timestamp)
                {
                    var found = segment.FindOffsetByTimestamp(timestamp, _logStartOffset);
                    if (found.Offset >= 0)
                    {
                        return found;
                    }
                }
            }

            return null;
        }
    }

    /// <summary>
    /// ListOffsets MAX_TIMESTAMP (-3): the largest timestamp in the log and the offset of the first record
    /// carrying it; <see cref="TimestampOffset.Unknown"/> when the log is empty.
    /// </summary>
    public TimestampOffset LatestTimestampAndOffset()
    {
        lock (_lock)
        {
            ThrowIfClosed();
            LogSegment? best = null;
            foreach (var segment in _segments)
            {
                if (segment.MaxTimestampSoFar.Timestamp >= 0 && (best is null || segment.MaxTimestampSoFar.Timestamp > best.MaxTimestampSoFar.Timestamp))
                {
                    best = segment;
                }
            }

            return best is null ? TimestampOffset.Unknown : best.FindMaxTimestampRecord();
        }
    }

    /// <summary>OffsetForLeaderEpoch: (epoch, end offset) from the leader epoch cache; (-1, -1) when unknown.</summary>
    public EpochEntry EndOffsetForEpoch(int leaderEpoch) => LeaderEpochCache.EndOffsetFor(leaderEpoch, LogEndOffset);
}
