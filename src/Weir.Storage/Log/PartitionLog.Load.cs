namespace Weir.Storage.Log;

public sealed partial class PartitionLog
{
    /// <summary>
    /// Opens (creating if needed) the log in <paramref name="directory"/> (Kafka's <c>LogLoader.load</c>):
    /// removes leftover <c>.deleted</c>/<c>.cleaned</c>/<c>.swap</c>/<c>.tmp</c> files and orphan indexes,
    /// opens the segments, rebuilds missing or corrupt indexes and, after an unclean shutdown, re-validates
    /// every batch from the recovery point, cutting the log at the first bad or partial batch.
    /// </summary>
    public static PartitionLog Open(string directory, TopicPartition topicPartition, LogConfig config, PartitionLogOptions options)
    {
        System.IO.Directory.CreateDirectory(directory);
        var log = new PartitionLog(directory, topicPartition, config, options);
        try
        {
            log.Load(options);
        }
        catch
        {
            log.Dispose();
            throw;
        }

        return log;
    }

    private void Load(PartitionLogOptions options)
    {
        var config = _config;
        var now = NowMs;
        var baseOffsets = new List<long>();
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory))
        {
            var name = Path.GetFileName(path);
            if (name.EndsWith(LogFileNames.DeletedSuffix, StringComparison.Ordinal)
                || name.EndsWith(LogFileNames.CleanedSuffix, StringComparison.Ordinal)
                || name.EndsWith(LogFileNames.SwapSuffix, StringComparison.Ordinal)
                || name.EndsWith(LogFileNames.TmpSuffix, StringComparison.Ordinal))
            {
                // Interrupted deletes, compactions and checkpoint writes; Weir never leaves a swap to complete.
                File.Delete(path);
            }
            else if (name.EndsWith(LogFileNames.LogSuffix, StringComparison.Ordinal) && LogFileNames.TryParseBaseOffset(name, out var b))
            {
                baseOffsets.Add(b);
            }
        }

        foreach (var path in System.IO.Directory.EnumerateFiles(Directory))
        {
            var name = Path.GetFileName(path);
            if ((name.EndsWith(LogFileNames.IndexSuffix, StringComparison.Ordinal) || name.EndsWith(LogFileNames.TimeIndexSuffix, StringComparison.Ordinal)
                    || name.EndsWith(LogFileNames.TxnIndexSuffix, StringComparison.Ordinal))
                && LogFileNames.TryParseBaseOffset(name, out var b) && !baseOffsets.Contains(b))
            {
                File.Delete(path); // orphan index without its .log
            }
        }

        baseOffsets.Sort();
        var segments = new List<LogSegment>(baseOffsets.Count);
        try
        {
            foreach (var b in baseOffsets)
            {
                segments.Add(LogSegment.Open(Directory, b, config));
            }

            var recoverFrom = options.HadCleanShutdown ? long.MaxValue : options.RecoveryPoint;
            var recoverFromIndex = segments.Count;
            for (var i = 0; i < segments.Count; i++)
            {
                var segmentEnd = i + 1 < segments.Count ? segments[i + 1].BaseOffset : long.MaxValue;
                if (segmentEnd > recoverFrom)
                {
                    recoverFromIndex = i;
                    break;
                }
            }

            for (var i = 0; i < segments.Count; i++)
            {
                var segment = segments[i];
                if (i < recoverFromIndex && segment.IndexesAreSane())
                {
                    continue;
                }

                // A segment past the recovery point, or one whose index is missing or corrupt.
                var truncated = segment.Recover(config, _validator, (epoch, offset) =>
                {
                    var latest = LeaderEpochCache.LatestEpoch;
                    if (epoch >= 0 && (latest is null || epoch > latest))
                    {
                        LeaderEpochCache.Assign(epoch, offset);
                    }
                });
                if (truncated > 0 || (segment.Size == 0 && i + 1 < segments.Count))
                {
                    // The log is cut at the first corruption: later segments cannot follow a hole.
                    for (var j = segments.Count - 1; j > i; j--)
                    {
                        segments[j].DeleteFiles();
                        segments.RemoveAt(j);
                    }

                    break;
                }
            }
        }
        catch
        {
            foreach (var s in segments)
            {
                s.Dispose();
            }

            throw;
        }

        if (segments.Count == 0)
        {
            segments.Add(LogSegment.Create(Directory, options.LogStartOffset, config, now));
        }

        var active = segments[^1];
        active.ResizeIndexes(config.SegmentIndexBytes);
        _segments = [.. segments];
        var logEnd = active.ReadNextOffset();
        _end = new LogOffsetMetadata(logEnd, active.BaseOffset, active.Size);
        _logStartOffset = Math.Max(options.LogStartOffset, segments[0].BaseOffset);
        if (_logStartOffset > logEnd)
        {
            // Data past the checkpointed start was lost; never hand out offsets below it again.
            TruncateFullyAndStartAtLocked(_logStartOffset, now);
            logEnd = _logStartOffset;
        }

        _recoveryPoint = options.HadCleanShutdown ? logEnd : Math.Min(options.RecoveryPoint, logEnd);
        LeaderEpochCache.TruncateFromEnd(logEnd);
        LeaderEpochCache.TruncateFromStart(_logStartOffset);
        UpdateHighWatermarkLocked(options.HighWatermark);
    }
}
