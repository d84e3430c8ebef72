using System.Buffers;
using Microsoft.Win32.SafeHandles;
using Weir.Protocol.Records;

namespace Weir.Storage.Log;

/// <summary>
/// One segment: the <c>.log</c> file of batches plus its offset and time indexes (Kafka's
/// <c>LogSegment</c>). Appends come from one writer under the partition lock; the byte size is
/// published after the bytes are written, so readers bounded by <see cref="Size"/> never see a torn batch.
/// </summary>
internal sealed class LogSegment : IDisposable
{
    private readonly SafeFileHandle _log;
    private volatile int _size;
    private int _bytesSinceLastIndexEntry;
    private TimestampOffset _maxTimestampSoFar;
    private long _rollingBasedTimestamp = -1;
    private bool _disposed;

    private LogSegment(string dir, long baseOffset, long createdMs, bool preallocateIndexes, int maxIndexSize)
    {
        BaseOffset = baseOffset;
        CreatedMs = createdMs;
        LogPath = LogFileNames.LogFile(dir, baseOffset);
        _log = File.OpenHandle(LogPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            var length = RandomAccess.GetLength(_log);
            if (length > int.MaxValue)
            {
                throw new InvalidDataException($"Segment {LogPath} is larger than 2 GiB.");
            }

            _size = (int)length;
            IndexExisted = File.Exists(LogFileNames.IndexFile(dir, baseOffset)) && File.Exists(LogFileNames.TimeIndexFile(dir, baseOffset));
            OffsetIndex = new OffsetIndex(LogFileNames.IndexFile(dir, baseOffset), baseOffset, maxIndexSize, preallocateIndexes);
            TimeIndex = new TimeIndex(LogFileNames.TimeIndexFile(dir, baseOffset), baseOffset, maxIndexSize, preallocateIndexes);
            _maxTimestampSoFar = TimeIndex.LastEntry;
        }
        catch
        {
            // Out of descriptors or space half way: give back what was opened, so the failure does not leak files.
            OffsetIndex?.Dispose();
            _log.Dispose();
            throw;
        }
    }

    public long BaseOffset { get; }

    public long CreatedMs { get; }

    public string LogPath { get; private set; }

    /// <summary>Published byte length of the <c>.log</c>; everything below it is whole batches.</summary>
    public int Size => _size;

    public SafeFileHandle Handle => _log;

    public OffsetIndex OffsetIndex { get; }

    public TimeIndex TimeIndex { get; }

    /// <summary>False when an index file was missing at open (it then needs a rebuild).</summary>
    public bool IndexExisted { get; }

    /// <summary>Largest batch max timestamp seen and that batch's last offset, or (-1, base).</summary>
    public TimestampOffset MaxTimestampSoFar => _maxTimestampSoFar;

    /// <summary>A brand-new empty segment whose indexes are preallocated (it becomes the active one).</summary>
    public static LogSegment Create(string dir, long baseOffset, LogConfig config, long nowMs)
    {
        // A stale file at this base offset (e.g. left by a truncation) must not leak into the new segment.
        File.Delete(LogFileNames.LogFile(dir, baseOffset));
        File.Delete(LogFileNames.IndexFile(dir, baseOffset));
        File.Delete(LogFileNames.TimeIndexFile(dir, baseOffset));
        return new LogSegment(dir, baseOffset, nowMs, preallocateIndexes: true, config.SegmentIndexBytes);
    }

    /// <summary>Opens existing files without preallocating (done later if it is the active segment).</summary>
    public static LogSegment Open(string dir, long baseOffset, LogConfig config)
    {
        var created = File.GetLastWriteTimeUtc(LogFileNames.LogFile(dir, baseOffset));
        return new LogSegment(dir, baseOffset, new DateTimeOffset(created).ToUnixTimeMilliseconds(), preallocateIndexes: false, config.SegmentIndexBytes);
    }

    /// <summary>Kafka's <c>LogSegment.sanityCheck</c> on the index files.</summary>
    public bool IndexesAreSane() => IndexExisted && OffsetIndex.IsSane(_size) && TimeIndex.IsSane()
        && (OffsetIndex.Count == 0 || OffsetIndex.LastEntry.Position < _size);

    /// <summary>
    /// Writes already-offset-assigned batches at the end with one positional write, then indexes them
    /// per batch as Kafka does (an entry when more than index.interval.bytes passed since the last).
    /// </summary>
    public void Append(ReadOnlySpan<byte> batches, long largestTimestamp, int indexIntervalBytes)
    {
        var start = _size;
        var (maxTimestamp, sinceIndexEntry, rollingBase) = (_maxTimestampSoFar, _bytesSinceLastIndexEntry, _rollingBasedTimestamp);
        try
        {
            RandomAccess.Write(_log, batches, start);
            if (start == 0)
            {
                _rollingBasedTimestamp = largestTimestamp;
            }

            var pos = 0;
            while (pos < batches.Length)
            {
                var h = new RecordBatchHeader(batches[pos..]);
                IndexBatch(h.LastOffset, h.MaxTimestamp, start + pos, h.TotalSize, indexIntervalBytes);
                pos += h.TotalSize;
            }
        }
        catch (Exception e) when (StorageErrors.IsStorageError(e))
        {
            // Nothing half-written stays: the file goes back to its last whole batch and the indexes
            // forget entries for this append, so a retry (e.g. once space is freed) starts clean.
            var firstOffset = new RecordBatchHeader(batches).BaseOffset;
            OffsetIndex.TruncateTo(firstOffset);
            TimeIndex.TruncateTo(firstOffset);
            (_maxTimestampSoFar, _bytesSinceLastIndexEntry, _rollingBasedTimestamp) = (maxTimestamp, sinceIndexEntry, rollingBase);
            try
            {
                RandomAccess.SetLength(_log, start);
            }
            catch (Exception again) when (StorageErrors.IsStorageError(again))
            {
                // The size stays published at start, so the next append overwrites the tail and recovery cuts it.
            }

            throw;
        }

        _size = start + batches.Length;
    }

    private void IndexBatch(long lastOffset, long maxTimestamp, int position, int size, int indexIntervalBytes)
    {
        if (maxTimestamp > _maxTimestampSoFar.Timestamp)
        {
            _maxTimestampSoFar = new TimestampOffset(maxTimestamp, lastOffset);
        }

        if (_bytesSinceLastIndexEntry > indexIntervalBytes)
        {
            OffsetIndex.Append(lastOffset, position);
            TimeIndex.MaybeAppend(_maxTimestampSoFar.Timestamp, _maxTimestampSoFar.Offset);
            _bytesSinceLastIndexEntry = 0;
        }

        _bytesSinceLastIndexEntry += size;
    }

    /// <summary>Kafka's <c>shouldRoll</c>, minus jitter.</summary>
    public bool ShouldRoll(LogConfig config, int incomingBytes, long incomingMaxTimestamp, long nowMs, long incomingLastOffset)
    {
        var size = _size;
        if (size > config.SegmentBytes - incomingBytes)
        {
            return true;
        }

        if (size > 0 && TimeWaitedForRoll(nowMs, incomingMaxTimestamp) > config.SegmentMs - config.SegmentJitterMs)
        {
            return true;
        }

        return OffsetIndex.IsFull || TimeIndex.IsFull || incomingLastOffset - BaseOffset > int.MaxValue;
    }

    private long TimeWaitedForRoll(long nowMs, long messageTimestamp)
    {
        if (_rollingBasedTimestamp < 0 && _size > 0)
        {
            Span<byte> header = stackalloc byte[RecordBatchHeader.Size];
            if (TryReadBatchInfo(0, _size, header, out var first))
            {
                _rollingBasedTimestamp = first.MaxTimestamp;
            }
        }

        return _rollingBasedTimestamp >= 0 ? messageTimestamp - _rollingBasedTimestamp : nowMs - CreatedMs;
    }

    /// <summary>Reads the header of the batch at <paramref name="position"/> if it lies whole below <paramref name="limit"/>.</summary>
    public bool TryReadBatchInfo(int position, int limit, Span<byte> scratch, out BatchInfo info)
    {
        info = default;
        if (limit - position < RecordBatchHeader.Size)
        {
            return false;
        }

        var read = RandomAccess.Read(_log, scratch[..RecordBatchHeader.Size], position);
        return read == RecordBatchHeader.Size && BatchInfo.TryRead(scratch, out info) && position + (long)info.Size <= limit;
    }

    /// <summary>
    /// The first batch whose last offset is ≥ <paramref name="offset"/>, scanning forward from
    /// <paramref name="startPosition"/> (Kafka's <c>translateOffset</c>). Position −1 when none below <paramref name="limit"/>.
    /// </summary>
    public (int Position, BatchInfo Batch) FindBatch(long offset, int startPosition, int limit)
    {
        Span<byte> scratch = stackalloc byte[RecordBatchHeader.Size];
        var pos = startPosition;
        while (TryReadBatchInfo(pos, limit, scratch, out var info))
        {
            if (info.LastOffset >= offset)
            {
                return (pos, info);
            }

            pos += info.Size;
        }

        return (-1, default);
    }

    /// <summary>The batch holding <paramref name="offset"/> (or the next one), using the offset index to start.</summary>
    public (int Position, BatchInfo Batch) Translate(long offset, int limit) =>
        FindBatch(offset, OffsetIndex.Lookup(offset).Position, limit);

    /// <summary>
    /// The end position of the whole batches that fit in [<paramref name="start"/>, <paramref name="start"/> + <paramref name="maxBytes"/>],
    /// bounded by <paramref name="limit"/>; the scan starts from the index entry nearest below the cut.
    /// </summary>
    public int EndOfWholeBatches(int start, int maxBytes, int limit)
    {
        var cut = (int)Math.Min((long)start + maxBytes, limit);
        if (cut >= limit)
        {
            return limit;
        }

        var pos = Math.Max(start, OffsetIndex.LookupByPosition(cut).Position);
        Span<byte> scratch = stackalloc byte[RecordBatchHeader.Size];
        while (TryReadBatchInfo(pos, limit, scratch, out var info) && pos + (long)info.Size <= cut)
        {
            pos += info.Size;
        }

        return pos;
    }

    /// <summary>The offset after the last batch (Kafka's <c>readNextOffset</c>).</summary>
    public long ReadNextOffset()
    {
        Span<byte> scratch = stackalloc byte[RecordBatchHeader.Size];
        var limit = _size;
        var pos = OffsetIndex.LastEntry.Position;
        var next = BaseOffset;
        while (TryReadBatchInfo(pos, limit, scratch, out var info))
        {
            next = info.LastOffset + 1;
            pos += info.Size;
        }

        return next;
    }

    public int Read(Span<byte> destination, long position) => RandomAccess.Read(_log, destination, position);

    /// <summary>
    /// Kafka's <c>LogSegment.recover</c>: re-validates every batch, rebuilds both indexes, reports each
    /// batch's leader epoch, and truncates the file after the last valid batch. Returns the bytes cut off.
    /// </summary>
    public int Recover(LogConfig config, IBatchValidator validator, Action<int, long>? onBatch)
    {
        OffsetIndex.Reset();
        TimeIndex.Reset();
        OffsetIndex.Resize(config.SegmentIndexBytes);
        TimeIndex.Resize(config.SegmentIndexBytes);
        _maxTimestampSoFar = new TimestampOffset(-1, BaseOffset);
        _bytesSinceLastIndexEntry = 0;
        _rollingBasedTimestamp = -1;
        var fileSize = RandomAccess.GetLength(_log);
        var valid = 0;
        var nextExpected = BaseOffset;
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (fileSize - valid >= RecordBatchHeader.Size)
            {
                var span = buffer.AsSpan(0, RecordBatchHeader.Size);
                if (RandomAccess.Read(_log, span, valid) < RecordBatchHeader.Size || !BatchInfo.TryRead(span, out var info)
                    || info.Magic != RecordBatchHeader.CurrentMagic || valid + (long)info.Size > fileSize
                    || info.BaseOffset < nextExpected || info.LastOffset - BaseOffset > int.MaxValue)
                {
                    break;
                }

                if (buffer.Length < info.Size)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(info.Size);
                }

                var batch = buffer.AsSpan(0, info.Size);
                if (RandomAccess.Read(_log, batch, valid) < info.Size || !IsValid(validator, batch))
                {
                    break;
                }

                if (valid == 0)
                {
                    _rollingBasedTimestamp = info.MaxTimestamp;
                }

                IndexBatch(info.LastOffset, info.MaxTimestamp, valid, info.Size, config.IndexIntervalBytes);
                onBatch?.Invoke(info.PartitionLeaderEpoch, info.BaseOffset);
                valid += info.Size;
                nextExpected = info.LastOffset + 1;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        var truncated = (int)(fileSize - valid);
        if (truncated > 0)
        {
            RandomAccess.SetLength(_log, valid);
        }

        _size = valid;
        TimeIndex.MaybeAppend(_maxTimestampSoFar.Timestamp, _maxTimestampSoFar.Offset, skipFullCheck: true);
        OffsetIndex.TrimToValidSize();
        TimeIndex.TrimToValidSize();
        return truncated;
    }

    private static bool IsValid(IBatchValidator validator, ReadOnlySpan<byte> batch)
    {
        try
        {
            return validator.IsValid(batch);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or IndexOutOfRangeException)
        {
            return false;
        }
    }

    /// <summary>Removes the batch holding <paramref name="offset"/> and everything after; returns the bytes removed.</summary>
    public int TruncateTo(long offset)
    {
        var (position, _) = Translate(offset, _size);
        if (position < 0)
        {
            return 0;
        }

        var removed = _size - position;
        OffsetIndex.TruncateTo(offset);
        TimeIndex.TruncateTo(offset);
        _size = position;
        RandomAccess.SetLength(_log, position);
        _maxTimestampSoFar = TimeIndex.LastEntry;
        _bytesSinceLastIndexEntry = 0;
        if (position == 0)
        {
            _rollingBasedTimestamp = -1;
        }

        return removed;
    }

    /// <summary>The segment stops taking appends: final time-index entry, indexes trimmed (Kafka's <c>onBecomeInactiveSegment</c>).</summary>
    public void OnBecomeInactive()
    {
        TimeIndex.MaybeAppend(_maxTimestampSoFar.Timestamp, _maxTimestampSoFar.Offset, skipFullCheck: true);
        OffsetIndex.TrimToValidSize();
        TimeIndex.TrimToValidSize();
    }

    /// <summary>Preallocates the indexes again (the segment is, or is again, the active one).</summary>
    public void ResizeIndexes(int maxIndexSize)
    {
        OffsetIndex.Resize(maxIndexSize);
        TimeIndex.Resize(maxIndexSize);
    }

    /// <summary>Kafka's <c>largestTimestamp</c>: max batch timestamp, or the file's mtime when none is known.</summary>
    public long LargestTimestamp => _maxTimestampSoFar.Timestamp >= 0
        ? _maxTimestampSoFar.Timestamp
        : new DateTimeOffset(File.GetLastWriteTimeUtc(LogPath)).ToUnixTimeMilliseconds();

    /// <summary>
    /// First record with timestamp ≥ <paramref name="timestamp"/> and offset ≥ <paramref name="startingOffset"/>
    /// (Kafka's <c>findOffsetByTimestamp</c>): time index, then offset index, then a batch scan.
    /// </summary>
    public TimestampOffset FindOffsetByTimestamp(long timestamp, long startingOffset)
    {
        var entry = TimeIndex.Lookup(timestamp);
        var position = OffsetIndex.Lookup(Math.Max(entry.Offset, startingOffset)).Position;
        return ScanForTimestamp(position, (in BatchInfo b) => b.MaxTimestamp >= timestamp && b.LastOffset >= startingOffset, timestamp, startingOffset);
    }

    /// <summary>The first record carrying the segment's max timestamp (ListOffsets MAX_TIMESTAMP).</summary>
    public TimestampOffset FindMaxTimestampRecord()
    {
        var max = _maxTimestampSoFar;
        if (max.Timestamp < 0)
        {
            return TimestampOffset.Unknown;
        }

        // The time index entry before the max points at or before the batch that holds it.
        var position = OffsetIndex.Lookup(TimeIndex.Lookup(max.Timestamp - 1).Offset).Position;
        return ScanForTimestamp(position, (in BatchInfo b) => b.MaxTimestamp == max.Timestamp, max.Timestamp, BaseOffset);
    }

    private delegate bool BatchPredicate(in BatchInfo batch);

    private TimestampOffset ScanForTimestamp(int position, BatchPredicate predicate, long target, long minOffset)
    {
        Span<byte> scratch = stackalloc byte[RecordBatchHeader.Size];
        var limit = _size;
        var pos = position;
        while (TryReadBatchInfo(pos, limit, scratch, out var info))
        {
            if (predicate(info))
            {
                var buffer = ArrayPool<byte>.Shared.Rent(info.Size);
                try
                {
                    var batch = buffer.AsSpan(0, info.Size);
                    RandomAccess.Read(_log, batch, pos);
                    var found = RecordTimestamps.FindFirstAtLeast(batch, target, minOffset);
                    if (found.Offset >= 0)
                    {
                        return found;
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }

            pos += info.Size;
        }

        return TimestampOffset.Unknown;
    }

    public void Flush()
    {
        RandomAccess.FlushToDisk(_log);
        OffsetIndex.Flush();
        TimeIndex.Flush();
    }

    /// <summary>Renames the three files by appending <paramref name="suffix"/> (e.g. <c>.deleted</c>), as Kafka does.</summary>
    public void AddFileSuffix(string suffix)
    {
        var newLog = LogPath + suffix;
        File.Move(LogPath, newLog, overwrite: true);
        LogPath = newLog;
        OffsetIndex.RenameTo(OffsetIndex.FilePath + suffix);
        TimeIndex.RenameTo(TimeIndex.FilePath + suffix);
    }

    /// <summary>Closes handles and removes the files.</summary>
    public void DeleteFiles()
    {
        Dispose();
        File.Delete(LogPath);
        OffsetIndex.DeleteFile();
        TimeIndex.DeleteFile();
    }

    /// <summary>Closes after a clean shutdown: final time-index entry and trimmed indexes first.</summary>
    public void Close()
    {
        if (!_disposed)
        {
            OnBecomeInactive();
            Dispose();
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _log.Dispose();
        OffsetIndex.Dispose();
        TimeIndex.Dispose();
    }
}
