using Microsoft.Extensions.Logging;
using Weir.Protocol;
using Weir.Protocol.Compression;
using Weir.Protocol.Messages;
using Weir.Protocol.Primitives;
using Weir.Protocol.Records;
using Weir.Storage.Snapshots;

namespace Weir.Broker.Metadata;

/// <summary>
/// Snapshots of the metadata image (KIP-630), in the format of Kafka's <c>RecordsSnapshotWriter</c> so
/// Kafka's tools read them: a control batch with a SnapshotHeaderRecord, batches of framed metadata
/// records (the image as <see cref="MetadataImageWriter"/> writes it) with offsets from 0, and a control
/// batch with a SnapshotFooterRecord; every batch carries the snapshot's epoch. No KRaftVersion/Voters
/// records: a static one-voter quorum is kraft.version 0, whose snapshots Kafka writes without them.
/// </summary>
public sealed partial class MetadataLog
{
    /// <summary>
    /// Snapshots kept: the latest, and one before it to fall back on should the latest prove unreadable.
    /// The log is kept from the oldest kept snapshot on, so either one plus the log rebuilds the image.
    /// </summary>
    public const int RetainedSnapshots = 2;

    /// <summary>Data batches are cut at about this size (Kafka cuts at its max batch size, 8 MiB).</summary>
    private const int SnapshotBatchBytes = 1 << 20;

    private long _appendedBytes;
    private SnapshotId? _latestSnapshot;

    /// <summary>
    /// Bytes of metadata batches appended since this log was opened, plus those replayed after the snapshot
    /// the image was loaded from: what <see cref="MetadataSnapshotter"/> measures against its threshold.
    /// </summary>
    public long AppendedBytes => Interlocked.Read(ref _appendedBytes);

    /// <summary>The newest snapshot written or loaded, null when there is none.</summary>
    public SnapshotId? LatestSnapshot
    {
        get
        {
            lock (_snapshotLock)
            {
                return _latestSnapshot;
            }
        }
    }

    /// <summary>The snapshots in the partition directory, oldest first.</summary>
    public IReadOnlyList<SnapshotId> Snapshots => SnapshotFiles.List(_log.Directory);

    public long LogStartOffset => _log.LogStartOffset;

    /// <summary>
    /// Writes a snapshot of <paramref name="image"/> (whose records must all be in the log: the controller
    /// publishes an image only after its batch is flushed), then keeps only the latest
    /// <see cref="RetainedSnapshots"/> and trims the log below the oldest kept. Returns the snapshot's id,
    /// or null when there is nothing newer than the latest snapshot. Not thread-safe against itself: one
    /// writer (the snapshotter) at a time.
    /// </summary>
    public SnapshotId? WriteSnapshot(MetadataImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var endOffset = image.Offset + 1;
        if (endOffset <= 0 || endOffset > _log.LogEndOffset || (LatestSnapshot is { } latest && latest.EndOffset >= endOffset))
        {
            return null;
        }

        var id = new SnapshotId(endOffset, Math.Max(0, _log.EpochForOffset(image.Offset)));
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        using (var writer = RawSnapshotWriter.Create(_log.Directory, id))
        {
            WriteSnapshotBatches(writer, image, id.Epoch, now);
            writer.Freeze();
        }

        lock (_snapshotLock)
        {
            _latestSnapshot = id;
        }

        CleanSnapshots();
        return id;
    }

    /// <summary>Deletes snapshots beyond the newest <see cref="RetainedSnapshots"/> and the log below the oldest kept.</summary>
    private void CleanSnapshots()
    {
        var kept = SnapshotFiles.Retain(_log.Directory, RetainedSnapshots);
        if (kept.Count > 0)
        {
            _log.DeleteBeforeSnapshot(kept[0].EndOffset);
        }
    }

    private static void WriteSnapshotBatches(RawSnapshotWriter writer, MetadataImage image, int epoch, long now)
    {
        using var builder = new RecordBatchBuilder();
        using var buffer = new PooledBufferWriter();
        long nextOffset = 0;

        void Flush()
        {
            if (builder.RecordsCount == 0)
            {
                return;
            }

            buffer.Clear();
            builder.Build(buffer);
            writer.Append(buffer.WrittenMemory.Span);
            nextOffset += builder.RecordsCount;
            builder.Reset();
        }

        void Start(bool control)
        {
            builder.BaseOffset = nextOffset;
            builder.PartitionLeaderEpoch = epoch;
            builder.IsControl = control;
        }

        Start(control: true);
        builder.Append(now, ControlKey(ControlRecordType.SnapshotHeader), Serialize(new SnapshotHeaderRecord { Version = 0, LastContainedLogTimestamp = now }, 0));
        Flush();

        Start(control: false);
        foreach (var (record, type, version) in MetadataImageWriter.Records(image))
        {
            if (builder.RecordsCount > 0 && builder.UncompressedSizeInBytes >= SnapshotBatchBytes)
            {
                Flush();
                Start(control: false);
            }

            builder.Append(now, null, MetadataRecordSerde.Serialize(record, type, version));
        }

        Flush();
        Start(control: true);
        builder.Append(now, ControlKey(ControlRecordType.SnapshotFooter), Serialize(new SnapshotFooterRecord { Version = 0 }, 0));
        Flush();
    }

    /// <summary>
    /// Loads the newest snapshot that is whole (header first, footer last, every CRC right, offsets in
    /// sequence) and from which the log continues; applies its records, each at the snapshot's last
    /// contained offset. Returns its id, or null (replay the whole log). Unreadable snapshots are deleted
    /// with a WARN. Throws when the log has been trimmed and no snapshot can stand in for what was trimmed.
    /// </summary>
    private SnapshotId? LoadLatestSnapshot(Action<IKafkaMessage, long> apply)
    {
        SnapshotFiles.DeleteLeftovers(_log.Directory);
        var ids = SnapshotFiles.List(_log.Directory);
        var logStart = _log.LogStartOffset;
        for (var i = ids.Count - 1; i >= 0; i--)
        {
            var id = ids[i];
            if (id.EndOffset < logStart)
            {
                break; // older ones are further below the log start: the log no longer continues them
            }

            using var reader = RawSnapshotReader.Open(_log.Directory, id);
            if (reader is null)
            {
                continue;
            }

            string? problem;
            try
            {
                problem = Check(reader);
            }
            catch (CorruptSnapshotException e)
            {
                problem = e.Message;
            }

            if (problem is not null)
            {
                LogCorruptSnapshot(_logger, SnapshotFiles.FileNameStem(id), problem);
                reader.Dispose();
                SnapshotFiles.Delete(_log.Directory, id);
                continue;
            }

            var at = id.EndOffset - 1;
            reader.ForEachBatch(batch =>
            {
                if (new RecordBatchHeader(batch).IsControl)
                {
                    return;
                }

                using var records = RecordBatch.ReadRecords(batch);
                foreach (var record in records)
                {
                    if (!record.IsValueNull && MetadataRecordSerde.Deserialize(record.Value) is { } message)
                    {
                        apply(message, at);
                    }
                }
            });

            if (id.EndOffset > _log.LogEndOffset)
            {
                // The log lost records the snapshot holds (Kafka's truncateFullyToLatestSnapshot): restart it there.
                _log.TruncateFullyAndStartAt(id.EndOffset);
            }

            return id;
        }

        if (logStart > 0)
        {
            throw new InvalidDataException(
                $"The metadata log starts at offset {logStart} and no readable snapshot ends at or after it: the records below it are lost. Restore a snapshot ({SnapshotFiles.Suffix}) into {_log.Directory}.");
        }

        return null;
    }

    /// <summary>Why the snapshot is not whole, or null; CRC and framing failures throw from the reader.</summary>
    private static string? Check(RawSnapshotReader reader)
    {
        var batches = 0;
        long expected = 0;
        string? problem = null;
        var lastIsFooter = false;
        reader.ForEachBatch(batch =>
        {
            var header = new RecordBatchHeader(batch);
            if (problem is not null)
            {
                return;
            }

            if (header.BaseOffset != expected)
            {
                problem = $"a batch at offset {header.BaseOffset} where {expected} was expected";
                return;
            }

            expected = header.LastOffset + 1;
            var type = header.IsControl ? FirstControlType(batch) : (ControlRecordType?)null;
            if (batches++ == 0 && type != ControlRecordType.SnapshotHeader)
            {
                problem = "no snapshot header record first";
            }

            lastIsFooter = type == ControlRecordType.SnapshotFooter;
        });

        return problem ?? (batches == 0 ? "no batches" : lastIsFooter ? null : "no snapshot footer record last (an incomplete snapshot)");
    }

    private static ControlRecordType? FirstControlType(ReadOnlySpan<byte> batch)
    {
        using var records = RecordBatch.ReadRecords(batch);
        foreach (var record in records)
        {
            return !record.IsKeyNull && ControlRecord.TryReadType(record.Key, out var type) ? type : null;
        }

        return null;
    }

    internal static byte[] ControlKey(ControlRecordType type)
    {
        var key = new byte[ControlRecord.KeySize];
        ControlRecord.WriteKey(key, type);
        return key;
    }

    internal static byte[] Serialize(IKafkaMessage message, short version)
    {
        var bytes = new byte[message.ComputeSize(version)];
        var writer = new KafkaWriter(bytes);
        message.Write(ref writer, version);
        return bytes;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Metadata snapshot {Snapshot} is unreadable and was deleted; loading an older snapshot or the log instead: {Problem}")]
    private static partial void LogCorruptSnapshot(ILogger logger, string snapshot, string problem);
}
