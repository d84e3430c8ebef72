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
        var indexFiles = new List<(string Path, long BaseOffset, bool TimeIndex)>();
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
            else if ((name.EndsWith(LogFileNames.IndexSuffix, StringComparison.Ordinal) || name.EndsWith(LogFileNames.TimeIndexSuffix, StringComparison.Ordinal)
                    || name.EndsWith(LogFileNames.TxnIndexSuffix, StringComparison.Ordinal))
                && LogFileNames.TryParseBaseOffset(name, out var ib))
            {
                indexFiles.Add((path, ib, name.EndsWith(LogFileNames.TimeIndexSuffix, StringComparison.Ordinal)));
            }
        }

        baseOffsets.Sort();
        var indexes = new int[baseOffsets.Count]; // bit 1: .index, bit 2: .timeindex
        foreach (var (path, b, isTime) in indexFiles)
        {
            var at = baseOffsets.BinarySearch(b);
            if (at < 0)
            {
                File.Delete(path); // orphan index without its .log
            }
            else if (path.EndsWith(LogFileNames.IndexSuffix, StringComparison.Ordinal) || isTime)
            {
                indexes[at] |= isTime ? 2 : 1;
            }
        }

        var segments = new List<LogSegment>(baseOffsets.Count);
        try
        {
            for (var i = 0; i < baseOffsets.Count; i++)
            {
                segments.Add(LogSegment.Open(Directory, baseOffsets[i], config, indexes[i] == 3));
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

            // Segments below the recovery point are trusted and stay unopened (their indexes load, and are
            // checked, on first use), unless an index file is missing: that one is rebuilt now, as Kafka does.
            for (var i = 0; i < segments.Count; i++)
            {
                if (i >= recoverFromIndex || !segments[i].IndexFilesExisted)
                {
                    if (RecoverSegment(segments, i, afterCleanShutdown: false, options))
                    {
                        break;
                    }
                }
            }

            // A clean shutdown trusts the files, but a torn tail must not be appended after: check the last batch.
            if (options.HadCleanShutdown && segments.Count > 0 && !segments[^1].TailIsIntact(_validator))
            {
                RecoverSegment(segments, segments.Count - 1, afterCleanShutdown: true, options);
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
        active.AllowIndexEntries(config.SegmentIndexBytes);
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

        // Handles opened while loading are dropped: a partition nobody reads or writes holds no descriptor.
        foreach (var s in _segments)
        {
            s.ReleaseHandle();
        }
    }

    /// <summary>
    /// Recovers segment <paramref name="i"/>; if it loses bytes (or is empty with segments after it) the
    /// later segments are deleted, the truncation is reported, and true is returned.
    /// </summary>
    private bool RecoverSegment(List<LogSegment> segments, int i, bool afterCleanShutdown, PartitionLogOptions options)
    {
        var segment = segments[i];
        var result = segment.Recover(
            _config,
            _validator,
            (epoch, offset) =>
            {
                var latest = LeaderEpochCache.LatestEpoch;
                if (epoch >= 0 && (latest is null || epoch > latest))
                {
                    LeaderEpochCache.Assign(epoch, offset);
                }
            },
            writeIndexes: i + 1 < segments.Count);
        if (result.BytesTruncated == 0 && !(segment.Size == 0 && i + 1 < segments.Count))
        {
            return false;
        }

        // The log is cut at the first corruption: later segments cannot follow a hole.
        var bytes = (long)result.BytesTruncated;
        var removedLast = result.RemovedLastOffset;
        var deleted = segments.Count - 1 - i;
        if (deleted > 0)
        {
            var last = segments[^1];
            removedLast = Math.Max(removedLast, Math.Max(last.BaseOffset, last.LastOffsetClaimed(0, last.Size)));
        }

        for (var j = segments.Count - 1; j > i; j--)
        {
            bytes += segments[j].Size;
            segments[j].DeleteFiles();
            segments.RemoveAt(j);
        }

        var truncation = new RecoveryTruncation(TopicPartition, segment.BaseOffset, segment.Size, result.NextOffset, removedLast, bytes, deleted, afterCleanShutdown);
        RecoveryMetrics.Record(truncation);
        options.OnRecoveryTruncation?.Invoke(truncation);
        return true;
    }
}
