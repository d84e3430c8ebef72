using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Weir.Protocol;
using Weir.Protocol.Compression;
using Weir.Protocol.Records;
using Weir.Storage;
using Weir.Storage.Log;

namespace Weir.Broker.Metadata;

/// <summary>
/// The cluster metadata log, <c>__cluster_metadata-0</c>, as a one-voter quorum keeps it: each
/// controller decision is one batch of framed metadata records, flushed before it is applied, and
/// the image is rebuilt at startup from the latest snapshot and the log after it. Clustering
/// replicates this same log.
/// </summary>
public sealed partial class MetadataLog
{
    public static readonly TopicPartition Partition = new("__cluster_metadata", 0);

    private readonly PartitionLog _log;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _snapshotLock = new();

    public MetadataLog(PartitionLog log, TimeProvider time, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (!log.Config.Internal)
        {
            throw new ArgumentException("The metadata log must be opened as an internal log (LogConfigFrom), or retention deletes it.", nameof(log));
        }

        _log = log;
        _time = time;
        _logger = logger ?? NullLogger.Instance;
    }

    public long EndOffset => _log.LogEndOffset;

    /// <summary>
    /// The metadata log's config: the broker's log defaults, opened as an internal log. Kafka keeps this
    /// log outside retention too and trims it only below a snapshot (<see cref="WriteSnapshot"/>).
    /// </summary>
    public static LogConfig LogConfigFrom(LogConfig brokerDefaults)
    {
        ArgumentNullException.ThrowIfNull(brokerDefaults);
        return brokerDefaults with { Internal = true };
    }

    /// <summary>Appends one decision atomically (one batch) and makes it durable; returns the last offset.</summary>
    public long Append(IReadOnlyList<(IKafkaMessage Record, short Type, short Version)> records, int leaderEpoch)
    {
        using var builder = new RecordBatchBuilder();
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var (record, type, version) in records)
        {
            builder.Append(now, null, MetadataRecordSerde.Serialize(record, type, version));
        }

        using var buffer = new PooledBufferWriter();
        builder.Build(buffer);
        var result = _log.Append(buffer.WrittenMemory.Span.ToArray(), leaderEpoch);
        if (result.Error == LogError.KafkaStorageError)
        {
            // Nothing of the batch stayed in the log; the controller answers KAFKA_STORAGE_ERROR.
            throw new KafkaStorageException($"The metadata log cannot be written: {_log.LastStorageError?.Message ?? "its log dir is offline"}", _log.LastStorageError);
        }

        if (result.Error != LogError.None)
        {
            throw new InvalidOperationException($"Metadata log append failed: {result.Error}.");
        }

        try
        {
            _log.Flush();
        }
        catch (Exception e) when (StorageErrors.IsStorageError(e))
        {
            throw new KafkaStorageException($"The metadata log cannot be flushed: {e.Message}", e);
        }

        _log.UpdateHighWatermark(_log.LogEndOffset);
        Interlocked.Add(ref _appendedBytes, buffer.WrittenCount);
        return result.LastOffset;
    }

    /// <summary>
    /// Rebuilds the image: the records of the latest readable snapshot (each with the snapshot's last
    /// contained offset), then every log record from the snapshot's end offset on; with no snapshot, the
    /// whole log. <paramref name="apply"/> is called with each record and its offset.
    /// </summary>
    public void Replay(Action<IKafkaMessage, long> apply)
    {
        ArgumentNullException.ThrowIfNull(apply);
        _log.UpdateHighWatermark(_log.LogEndOffset);
        var snapshot = LoadLatestSnapshot(apply);
        lock (_snapshotLock)
        {
            _latestSnapshot = snapshot;
        }

        var from = Math.Max(_log.LogStartOffset, snapshot?.EndOffset ?? 0);
        long replayed = 0;
        _log.ForEachBatch(from, batch =>
        {
            replayed += batch.Length;
            if (new RecordBatchHeader(batch).IsControl)
            {
                return; // Raft's own records (leader change, voters), no metadata
            }

            using var records = RecordBatch.ReadRecords(batch);
            foreach (var record in records)
            {
                if (record.Offset < from || record.IsValueNull)
                {
                    continue;
                }

                var message = MetadataRecordSerde.Deserialize(record.Value);
                if (message is not null)
                {
                    apply(message, record.Offset);
                }
            }
        });
        Interlocked.Add(ref _appendedBytes, replayed);
        if (snapshot is not null)
        {
            // Redo the last trim: a crash may have come between it and the log start offset checkpoint.
            CleanSnapshots();
        }
    }
}
