namespace Weir.Storage.Log;

public sealed partial class PartitionLog
{
    private const long LatestTimestamp = -1;
    private const long EarliestTimestamp = -2;

    /// <summary>
    /// ListOffsets v0 (Kafka's <c>legacyFetchOffsetsBefore</c>): offsets only at segment granularity.
    /// The candidates are each segment's base offset (at least the log start offset) stamped with the
    /// segment file's last-modified time, plus the log end offset stamped now when the active segment
    /// is not empty. Latest (-1) starts from the newest candidate, earliest (-2) from the oldest, any
    /// other timestamp from the newest candidate modified at or before it; up to
    /// <paramref name="maxNumOffsets"/> of them are returned, walking older, in descending order.
    /// </summary>
    public long[] LegacyOffsetsBefore(long timestamp, int maxNumOffsets)
    {
        var segs = Volatile.Read(ref _segments);
        if (segs.Length == 0 || maxNumOffsets <= 0)
        {
            return [];
        }

        var logStart = LogStartOffset;
        var withEnd = segs[^1].Size > 0;
        var count = segs.Length + (withEnd ? 1 : 0);
        var offsets = new long[count];
        var times = new long[count];
        for (var i = 0; i < segs.Length; i++)
        {
            offsets[i] = Math.Max(segs[i].BaseOffset, logStart);
            times[i] = LastModifiedMs(segs[i]);
        }

        if (withEnd)
        {
            offsets[^1] = LogEndOffset;
            times[^1] = NowMs;
        }

        int start;
        switch (timestamp)
        {
            case LatestTimestamp:
                start = count - 1;
                break;
            case EarliestTimestamp:
                start = 0;
                break;
            default:
                start = count - 1;
                while (start >= 0 && times[start] > timestamp)
                {
                    start--;
                }

                break;
        }

        var result = new long[Math.Min(maxNumOffsets, start + 1)];
        for (var j = 0; j < result.Length; j++)
        {
            result[j] = offsets[start - j];
        }

        // Base offsets ascend with the segments, so walking back already gives descending order.
        return result;
    }

    // A segment deleted by retention meanwhile reads as 1601, older than any timestamp asked for.
    private static long LastModifiedMs(LogSegment segment) =>
        new DateTimeOffset(File.GetLastWriteTimeUtc(segment.LogPath)).ToUnixTimeMilliseconds();
}
