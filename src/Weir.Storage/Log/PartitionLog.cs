using System.Runtime.ExceptionServices;
using Weir.Protocol.Records;
using Weir.Storage.Checkpoints;

namespace Weir.Storage.Log;

/// <summary>
/// One partition's log (Kafka's <c>UnifiedLog</c> + <c>LocalLog</c>): segments named by base offset,
/// offset assignment on append, reads of whole batches as file ranges, retention, truncation, recovery.
/// Appends and structural changes are serialized by one lock; reads take no lock and see only what
/// was published (segment list, then end-offset metadata) after the bytes were written.
/// </summary>
public sealed partial class PartitionLog : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Lock _flushLock = new();
    private readonly IBatchValidator _validator;
    private readonly TimeProvider _time;
    private readonly List<(LogSegment Segment, long DueMs)> _pendingDeletes = [];
    private LogSegment[] _segments = [];
    private LogOffsetMetadata _end = new(0, 0, 0);
    private LogOffsetMetadata _highWatermark = new(0, 0, 0);
    private long _logStartOffset;
    private long _recoveryPoint;
    private long _lastFlushMs;
    private TaskCompletionSource? _signal;
    private Task _rollFlush = Task.CompletedTask;
    private volatile LogConfig _config;
    private volatile bool _offline;
    private volatile Exception? _lastStorageError;
    private bool _failing;
    private bool _closed;

    private PartitionLog(string directory, TopicPartition topicPartition, LogConfig config, PartitionLogOptions options)
    {
        Directory = directory;
        TopicPartition = topicPartition;
        _config = config;
        _validator = options.Validator;
        _time = options.Time;
        _lastFlushMs = NowMs;
        LeaderEpochCache = new LeaderEpochCache(Path.Combine(directory, LeaderEpochCheckpointFile.FileName));
    }

    public string Directory { get; }

    public TopicPartition TopicPartition { get; }

    /// <summary>Topic config; replaced as a whole when AlterConfigs changes it.</summary>
    public LogConfig Config
    {
        get => _config;
        set => _config = value;
    }

    public LeaderEpochCache LeaderEpochCache { get; }

    /// <summary>True once the log dir is offline: every append and read answers KAFKA_STORAGE_ERROR until a restart.</summary>
    public bool IsOffline => _offline;

    /// <summary>The I/O error behind the last KAFKA_STORAGE_ERROR, for the answer's message and the log line.</summary>
    public Exception? LastStorageError => _lastStorageError;

    /// <summary>
    /// Told of I/O failures (and, with a null error, of the first append that works again after a
    /// failure) so the owner can log them and take the log dir offline. Set by <see cref="LogManager"/>.
    /// </summary>
    internal Action<PartitionLog, Exception?>? StorageFailureHandler { get; set; }

    internal void MarkOffline() => _offline = true;

    public long LogStartOffset => Volatile.Read(ref _logStartOffset);

    /// <summary>The offset the next appended record gets; published after the bytes are in the file.</summary>
    public long LogEndOffset => Volatile.Read(ref _end).Offset;

    public long HighWatermark => Volatile.Read(ref _highWatermark).Offset;

    /// <summary>Offsets below this are known to be fsynced; recovery re-validates from here.</summary>
    public long RecoveryPoint => Volatile.Read(ref _recoveryPoint);

    public long LastFlushTimeMs => Volatile.Read(ref _lastFlushMs);

    public int SegmentCount => Volatile.Read(ref _segments).Length;

    /// <summary>Base offsets of the live segments, oldest first.</summary>
    public IReadOnlyList<long> SegmentBaseOffsets
    {
        get
        {
            var segs = Volatile.Read(ref _segments);
            var result = new long[segs.Length];
            for (var i = 0; i < segs.Length; i++)
            {
                result[i] = segs[i].BaseOffset;
            }

            return result;
        }
    }

    /// <summary>Total bytes of the <c>.log</c> files.</summary>
    public long Size
    {
        get
        {
            long total = 0;
            foreach (var s in Volatile.Read(ref _segments))
            {
                total += s.Size;
            }

            return total;
        }
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Appends the v2 batches in <paramref name="batches"/> as leader: assigns offsets in place from the log
    /// end offset, stamps <paramref name="leaderEpoch"/>, writes them with one positional write (rolling
    /// first if needed), indexes them and publishes the new end offset. The broker has already validated
    /// the batches (CRC, sizes) and, for LogAppendTime topics, stamped <paramref name="logAppendTimeMs"/> into them.
    /// </summary>
    /// <exception cref="ArgumentException">The buffer does not hold whole v2 batches.</exception>
    public AppendResult Append(Span<byte> batches, int leaderEpoch, long? logAppendTimeMs = null)
    {
        var batchCount = ScanBatches(batches, out var maxTimestamp);
        var config = _config;
        if (batches.Length > config.SegmentBytes)
        {
            return new AppendResult(LogError.RecordListTooLarge, -1, -1, -1, LogStartOffset, 0);
        }

        var now = NowMs;
        long firstOffset;
        long next;
        bool flush;
        Exception? failure = null;
        bool changed;
        lock (_lock)
        {
            ThrowIfClosed();
            if (_offline)
            {
                return StorageErrorResult();
            }

            firstOffset = _end.Offset;
            next = firstOffset;
            for (var pos = 0; pos < batches.Length;)
            {
                var batch = batches[pos..];
                var header = new RecordBatchHeader(batch);
                RecordBatchHeader.SetBaseOffset(batch, next);
                RecordBatchHeader.SetPartitionLeaderEpoch(batch, leaderEpoch);
                next += header.LastOffsetDelta + 1;
                pos += header.TotalSize;
            }

            try
            {
                var active = MaybeRollLocked(batches.Length, maxTimestamp, now, next - 1);
                LeaderEpochCache.Assign(leaderEpoch, firstOffset);
                active.Append(batches, maxTimestamp, config.IndexIntervalBytes);
                Volatile.Write(ref _end, new LogOffsetMetadata(next, active.BaseOffset, active.Size));
            }
            catch (Exception e) when (StorageErrors.IsStorageError(e))
            {
                failure = e;
            }

            changed = AppendOutcomeLocked(failure);
            flush = failure is null && next - RecoveryPoint >= config.FlushMessages;
        }

        if (changed || (failure is not null && !StorageErrors.IsTransient(failure)))
        {
            ReportStorage(failure);
        }

        if (failure is not null)
        {
            return StorageErrorResult();
        }

        if (flush)
        {
            try
            {
                Flush(next);
            }
            catch (Exception e) when (StorageErrors.IsStorageError(e))
            {
                // Written but not durable as log.flush.interval.messages asked: not acknowledged (Kafka fails it too).
                _lastStorageError = e;
                ReportStorage(e);
                return StorageErrorResult();
            }
        }

        NotifyChanged();
        return new AppendResult(LogError.None, firstOffset, next - 1, logAppendTimeMs ?? -1, LogStartOffset, batchCount);
    }

    /// <summary>
    /// Appends batches that already carry offsets and epochs (a follower copying its leader). Offsets must
    /// start at or above the log end offset and increase; the epoch cache follows each batch's epoch.
    /// </summary>
    public AppendResult AppendAsFollower(ReadOnlySpan<byte> batches)
    {
        var batchCount = ScanBatches(batches, out var maxTimestamp);
        var config = _config;
        if (batches.Length > config.SegmentBytes)
        {
            return new AppendResult(LogError.RecordListTooLarge, -1, -1, -1, LogStartOffset, 0);
        }

        var now = NowMs;
        long firstOffset;
        long next;
        Exception? failure = null;
        bool changed;
        lock (_lock)
        {
            ThrowIfClosed();
            if (_offline)
            {
                return StorageErrorResult();
            }

            next = _end.Offset;
            firstOffset = new RecordBatchHeader(batches).BaseOffset;
            for (var pos = 0; pos < batches.Length;)
            {
                var header = new RecordBatchHeader(batches[pos..]);
                if (header.BaseOffset < next)
                {
                    throw new ArgumentException($"Batch offset {header.BaseOffset} is below the log end offset {next}.", nameof(batches));
                }

                next = header.LastOffset + 1;
                pos += header.TotalSize;
            }

            try
            {
                var active = MaybeRollLocked(batches.Length, maxTimestamp, now, next - 1);
                if (active.Size == 0 && active.BaseOffset < firstOffset && active.BaseOffset == _end.Offset)
                {
                    // An empty active segment must be named after its first offset; a gap moves the base up.
                    active = ReplaceEmptyActiveLocked(firstOffset, now);
                }

                for (var pos = 0; pos < batches.Length;)
                {
                    var header = new RecordBatchHeader(batches[pos..]);
                    LeaderEpochCache.Assign(header.PartitionLeaderEpoch, header.BaseOffset);
                    pos += header.TotalSize;
                }

                active.Append(batches, maxTimestamp, config.IndexIntervalBytes);
                Volatile.Write(ref _end, new LogOffsetMetadata(next, active.BaseOffset, active.Size));
            }
            catch (Exception e) when (StorageErrors.IsStorageError(e))
            {
                failure = e;
            }

            changed = AppendOutcomeLocked(failure);
        }

        if (changed || (failure is not null && !StorageErrors.IsTransient(failure)))
        {
            ReportStorage(failure);
        }

        if (failure is not null)
        {
            return StorageErrorResult();
        }

        NotifyChanged();
        return new AppendResult(LogError.None, firstOffset, next - 1, -1, LogStartOffset, batchCount);
    }

    private AppendResult StorageErrorResult() => new(LogError.KafkaStorageError, -1, -1, -1, LogStartOffset, 0);

    /// <summary>Tracks failing/working appends; true when this one changes that (a first failure, or the first success after), worth one log line.</summary>
    private bool AppendOutcomeLocked(Exception? failure)
    {
        var changed = _failing != failure is not null;
        _failing = failure is not null;
        if (failure is not null)
        {
            _lastStorageError = failure;
        }

        return changed;
    }

    /// <summary>Hands an I/O failure (or a recovery, when null) to the owner, outside the log's lock.</summary>
    private void ReportStorage(Exception? failure)
    {
        if (failure is not null && !StorageErrors.IsTransient(failure))
        {
            _offline = true;
        }

        StorageFailureHandler?.Invoke(this, failure);
    }

    /// <summary>Checks that the buffer is whole v2 batches; returns their count and largest max timestamp.</summary>
    private static int ScanBatches(ReadOnlySpan<byte> batches, out long maxTimestamp)
    {
        if (batches.IsEmpty)
        {
            throw new ArgumentException("Nothing to append.", nameof(batches));
        }

        maxTimestamp = -1;
        var count = 0;
        for (var pos = 0; pos < batches.Length; count++)
        {
            var rest = batches[pos..];
            if (rest.Length < RecordBatchHeader.Size || !BatchInfo.TryRead(rest, out var info)
                || info.Magic != RecordBatchHeader.CurrentMagic || info.Size > rest.Length)
            {
                throw new ArgumentException($"Malformed record batch at byte {pos}.", nameof(batches));
            }

            maxTimestamp = Math.Max(maxTimestamp, info.MaxTimestamp);
            pos += info.Size;
        }

        return count;
    }

    private LogSegment MaybeRollLocked(int incomingBytes, long maxTimestamp, long now, long lastOffset)
    {
        var active = _segments[^1];
        return active.ShouldRoll(_config, incomingBytes, maxTimestamp, now, lastOffset) ? RollLocked(now) : active;
    }

    /// <summary>Starts a new active segment at the log end offset; the old one is trimmed and fsynced in the background.</summary>
    private LogSegment RollLocked(long now)
    {
        var active = _segments[^1];
        var newBase = _end.Offset;
        if (active.BaseOffset == newBase && active.Size == 0)
        {
            return active;
        }

        active.OnBecomeInactive();
        var segment = LogSegment.Create(Directory, newBase, _config, now);
        Volatile.Write(ref _segments, [.. _segments, segment]);
        Volatile.Write(ref _end, new LogOffsetMetadata(newBase, newBase, 0));

        // Kafka flushes the finished segment asynchronously so the produce path never waits on fsync.
        var previous = _rollFlush;
        _rollFlush = Task.Run(async () =>
        {
            await previous.ConfigureAwait(false);
            FlushQuietly(newBase);
        });
        return segment;
    }

    private LogSegment ReplaceEmptyActiveLocked(long newBase, long now)
    {
        var old = _segments[^1];
        var segment = LogSegment.Create(Directory, newBase, _config, now);
        Volatile.Write(ref _segments, [.. _segments.AsSpan(0, _segments.Length - 1), segment]);
        ScheduleDeleteLocked(old, now);
        return segment;
    }

    /// <summary>Rolls now if the active segment holds data (Kafka's <c>roll()</c>, used by tools and retention).</summary>
    public void Roll()
    {
        lock (_lock)
        {
            ThrowIfClosed();
            RollLocked(NowMs);
        }
    }

    /// <summary>
    /// Sets the high watermark (clamped to [log start, log end]). On a single node the broker sets it to the
    /// log end offset after each append. Wakes long-polling fetches.
    /// </summary>
    public void UpdateHighWatermark(long highWatermark)
    {
        lock (_lock)
        {
            UpdateHighWatermarkLocked(highWatermark);
        }

        NotifyChanged();
    }

    private void UpdateHighWatermarkLocked(long highWatermark)
    {
        var end = _end;
        var hw = Math.Clamp(highWatermark, _logStartOffset, end.Offset);
        Volatile.Write(ref _highWatermark, hw == end.Offset ? end : MetadataForOffsetLocked(hw));
    }

    /// <summary>Where the batch holding <paramref name="offset"/> starts (for a high watermark below the end).</summary>
    private LogOffsetMetadata MetadataForOffsetLocked(long offset)
    {
        var segs = _segments;
        var i = FloorSegment(segs, offset);
        if (i < 0)
        {
            return new LogOffsetMetadata(offset, segs[0].BaseOffset, 0);
        }

        var (position, _) = segs[i].Translate(offset, segs[i].Size);
        return new LogOffsetMetadata(offset, segs[i].BaseOffset, position < 0 ? segs[i].Size : position);
    }

    /// <summary>
    /// Completes when the log end offset or high watermark differs from the values the caller saw
    /// (Fetch long-poll). Take the values, find no data, then call this: no append can slip between.
    /// </summary>
    public Task WaitForChangeAsync(long knownLogEndOffset, long knownHighWatermark, CancellationToken cancellationToken = default)
    {
        var signal = Volatile.Read(ref _signal);
        if (signal is null)
        {
            var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            signal = Interlocked.CompareExchange(ref _signal, created, null) ?? created;
        }

        if (LogEndOffset != knownLogEndOffset || HighWatermark != knownHighWatermark)
        {
            return Task.CompletedTask;
        }

        return signal.Task.WaitAsync(cancellationToken);
    }

    private void NotifyChanged() => Interlocked.Exchange(ref _signal, null)?.TrySetResult();

    /// <summary>fsyncs everything up to the log end offset.</summary>
    public void Flush() => Flush(LogEndOffset);

    /// <summary>fsyncs the segments holding offsets below <paramref name="upToOffset"/> and advances the recovery point.</summary>
    public void Flush(long upToOffset)
    {
        lock (_flushLock)
        {
            var target = Math.Min(upToOffset, LogEndOffset);
            if (target <= RecoveryPoint)
            {
                return;
            }

            var segs = Volatile.Read(ref _segments);
            var from = RecoveryPoint;
            for (var i = 0; i < segs.Length; i++)
            {
                var segmentEnd = i + 1 < segs.Length ? segs[i + 1].BaseOffset : long.MaxValue;
                if (segs[i].BaseOffset < target && segmentEnd > from)
                {
                    try
                    {
                        segs[i].Flush();
                    }
                    catch (ObjectDisposedException)
                    {
                        // deleted meanwhile by retention; nothing left to make durable
                    }
                }
            }

            InterlockedMax(ref _recoveryPoint, target);
            Volatile.Write(ref _lastFlushMs, NowMs);
        }
    }

    private void FlushQuietly(long upToOffset)
    {
        try
        {
            Flush(upToOffset);
        }
        catch (ObjectDisposedException)
        {
            // closed meanwhile; Close() flushes everything itself
        }
        catch (Exception e) when (StorageErrors.IsStorageError(e))
        {
            // A background fsync that fails must not fault the roll chain (Close waits on it):
            // the dir is reported instead, as Kafka's LogDirFailureChannel does.
            _lastStorageError = e;
            ReportStorage(e);
        }
    }

    private static void InterlockedMax(ref long location, long value)
    {
        var current = Volatile.Read(ref location);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>Index of the segment with the greatest base offset ≤ <paramref name="offset"/>, or −1.</summary>
    private static int FloorSegment(LogSegment[] segs, long offset)
    {
        var lo = 0;
        var hi = segs.Length - 1;
        var found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (segs[mid].BaseOffset <= offset)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found;
    }

    private void ThrowIfClosed() => ObjectDisposedException.ThrowIf(_closed, this);

    /// <summary>
    /// Clean close: waits for background flushes, fsyncs, writes the final time-index entry, trims the
    /// indexes and closes the files. The log dir's clean-shutdown marker is the manager's job.
    /// </summary>
    public void Close()
    {
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }
        }

        _rollFlush.Wait();
        Flush();
        Exception? failure = null;
        lock (_lock)
        {
            _closed = true;
            foreach (var s in _segments)
            {
                try
                {
                    s.Close();
                }
                catch (Exception e) when (StorageErrors.IsStorageError(e))
                {
                    // e.g. the final time-index entry on a full disk: close the rest, then say so.
                    s.Dispose();
                    failure ??= e;
                }
            }

            foreach (var (s, _) in _pendingDeletes)
            {
                s.Dispose();
            }

            _pendingDeletes.Clear();
        }

        NotifyChanged();
        if (failure is not null)
        {
            ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>Closes the files without flushing or trimming (what a crash leaves, for tests and deletion).</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
        }

        try
        {
            _rollFlush.Wait();
        }
        catch (AggregateException)
        {
            // a background flush failed; the files are being abandoned anyway
        }

        lock (_lock)
        {
            foreach (var s in _segments)
            {
                s.Dispose();
            }

            foreach (var (s, _) in _pendingDeletes)
            {
                s.Dispose();
            }

            _pendingDeletes.Clear();
        }

        NotifyChanged();
    }
}
