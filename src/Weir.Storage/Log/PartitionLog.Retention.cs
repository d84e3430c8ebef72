namespace Weir.Storage.Log;

public sealed partial class PartitionLog
{
    private delegate bool SegmentPredicate(LogSegment segment, LogSegment? next);

    /// <summary>
    /// One retention pass (the broker calls it every log.retention.check.interval.ms): deletes whole
    /// segments, oldest first, past retention.ms (by their largest timestamp) or beyond retention.bytes
    /// (delete policy only, never an internal log), and segments wholly below the log start offset; then
    /// removes the files of segments deleted at least file.delete.delay.ms ago. Returns the number of
    /// segments deleted now.
    /// </summary>
    public int RunRetention(long nowMs)
    {
        var deleted = 0;
        lock (_lock)
        {
            if (_closed)
            {
                return 0;
            }

            var config = _config;
            if (config.IsDeletePolicy && !config.Internal)
            {
                if (config.RetentionMs >= 0)
                {
                    deleted += DeleteOldSegmentsLocked((s, _) => nowMs - s.LargestTimestamp > config.RetentionMs, nowMs);
                }

                if (config.RetentionBytes >= 0)
                {
                    var diff = Size - config.RetentionBytes;
                    deleted += DeleteOldSegmentsLocked(
                        (s, _) =>
                        {
                            if (diff - s.Size < 0)
                            {
                                return false;
                            }

                            diff -= s.Size;
                            return true;
                        },
                        nowMs);
                }
            }

            var logStart = _logStartOffset;
            deleted += DeleteOldSegmentsLocked((_, next) => next is not null && next.BaseOffset <= logStart, nowMs);
            DeletePendingLocked(nowMs);
        }

        return deleted;
    }

    /// <summary>
    /// Kafka's <c>deletableSegments</c>/<c>deleteSegments</c>: oldest first while the predicate holds and
    /// the segment lies wholly below the high watermark. If every segment goes, a new empty active segment
    /// is rolled first, as Kafka does, so the log end offset is kept.
    /// </summary>
    private int DeleteOldSegmentsLocked(SegmentPredicate predicate, long nowMs)
    {
        var segs = _segments;
        var hw = _highWatermark.Offset;
        var logEnd = _end.Offset;
        var count = 0;
        for (var i = 0; i < segs.Length; i++)
        {
            var segment = segs[i];
            var next = i + 1 < segs.Length ? segs[i + 1] : null;
            var upper = next?.BaseOffset ?? logEnd;
            var isLastAndEmpty = next is null && segment.Size == 0;
            if (hw >= upper && !isLastAndEmpty && predicate(segment, next))
            {
                count++;
            }
            else
            {
                break;
            }
        }

        if (count == 0)
        {
            return 0;
        }

        if (count == segs.Length)
        {
            RollLocked(nowMs);
        }

        RemoveOldestLocked(count, nowMs);
        return count;
    }

    private void RemoveOldestLocked(int count, long nowMs)
    {
        var segs = _segments;
        Volatile.Write(ref _segments, segs[count..]);
        for (var i = 0; i < count; i++)
        {
            ScheduleDeleteLocked(segs[i], nowMs);
        }

        var newStart = _segments[0].BaseOffset;
        if (newStart > _logStartOffset)
        {
            Volatile.Write(ref _logStartOffset, newStart);
            LeaderEpochCache.TruncateFromStart(newStart);
        }
    }

    /// <summary>
    /// Renames the segment's files to <c>*.deleted</c> now and closes/removes them after file.delete.delay.ms,
    /// so in-flight reads of its file handle finish (Kafka's asynchronous delete).
    /// </summary>
    private void ScheduleDeleteLocked(LogSegment segment, long nowMs)
    {
        segment.AddFileSuffix(LogFileNames.DeletedSuffix);
        _pendingDeletes.Add((segment, nowMs + _config.FileDeleteDelayMs));
        DeletePendingLocked(nowMs);
    }

    private void DeletePendingLocked(long nowMs)
    {
        for (var i = _pendingDeletes.Count - 1; i >= 0; i--)
        {
            var (segment, due) = _pendingDeletes[i];
            if (due <= nowMs)
            {
                segment.DeleteFiles();
                _pendingDeletes.RemoveAt(i);
            }
        }
    }

    /// <summary>
    /// DeleteRecords: moves the log start offset up to <paramref name="offset"/> (not past the high
    /// watermark) and deletes the segments wholly below it. Returns the new low watermark. An internal
    /// log refuses (INVALID_TOPIC_EXCEPTION, as Kafka refuses DeleteRecords on internal topics).
    /// </summary>
    public (LogError Error, long LowWatermark) DeleteRecordsBefore(long offset)
    {
        lock (_lock)
        {
            ThrowIfClosed();
            if (_config.Internal)
            {
                return (LogError.InvalidTopic, _logStartOffset);
            }

            if (offset > _highWatermark.Offset || offset < 0)
            {
                return (LogError.OffsetOutOfRange, _logStartOffset);
            }

            if (offset > _logStartOffset)
            {
                Volatile.Write(ref _logStartOffset, offset);
                LeaderEpochCache.TruncateFromStart(offset);
                var logStart = offset;
                DeleteOldSegmentsLocked((_, next) => next is not null && next.BaseOffset <= logStart, NowMs);
            }

            return (LogError.None, _logStartOffset);
        }
    }

    /// <summary>
    /// Removes every record at or after <paramref name="offset"/> (a follower diverging from its leader).
    /// Whole batches go: a batch holding <paramref name="offset"/> is removed entirely.
    /// </summary>
    public void TruncateTo(long offset)
    {
        lock (_lock)
        {
            ThrowIfClosed();
            var now = NowMs;
            if (offset >= _end.Offset)
            {
                return;
            }

            if (offset < _logStartOffset)
            {
                TruncateFullyAndStartAtLocked(offset, now);
                return;
            }

            var segs = _segments;
            var keep = segs.Length;
            while (keep > 1 && segs[keep - 1].BaseOffset > offset)
            {
                keep--;
            }

            Volatile.Write(ref _segments, segs[..keep]);
            for (var i = keep; i < segs.Length; i++)
            {
                ScheduleDeleteLocked(segs[i], now);
            }

            var active = segs[keep - 1];
            active.TruncateTo(offset);
            active.ResizeIndexes(_config.SegmentIndexBytes);
            var logEnd = active.ReadNextOffset();
            Volatile.Write(ref _end, new LogOffsetMetadata(logEnd, active.BaseOffset, active.Size));
            AfterTruncationLocked(logEnd);
        }

        NotifyChanged();
    }

    /// <summary>Deletes every segment and restarts the log, empty, at <paramref name="newOffset"/>.</summary>
    public void TruncateFullyAndStartAt(long newOffset)
    {
        lock (_lock)
        {
            ThrowIfClosed();
            TruncateFullyAndStartAtLocked(newOffset, NowMs);
        }

        NotifyChanged();
    }

    private void TruncateFullyAndStartAtLocked(long newOffset, long now)
    {
        var segs = _segments;
        _segments = [];
        foreach (var s in segs)
        {
            ScheduleDeleteLocked(s, now);
        }

        var segment = LogSegment.Create(Directory, newOffset, _config, now);
        Volatile.Write(ref _segments, [segment]);
        Volatile.Write(ref _end, new LogOffsetMetadata(newOffset, newOffset, 0));
        Volatile.Write(ref _logStartOffset, newOffset);
        LeaderEpochCache.Clear();
        AfterTruncationLocked(newOffset);
    }

    private void AfterTruncationLocked(long logEnd)
    {
        if (Volatile.Read(ref _recoveryPoint) > logEnd)
        {
            Volatile.Write(ref _recoveryPoint, logEnd);
        }

        LeaderEpochCache.TruncateFromEnd(logEnd);
        UpdateHighWatermarkLocked(Math.Min(_highWatermark.Offset, logEnd));
    }
}
