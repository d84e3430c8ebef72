using Weir.Protocol;
using Weir.Protocol.Compression;
using Weir.Protocol.Records;
using Weir.Storage;
using Weir.Storage.Log;

namespace Weir.Broker.Metadata;

/// <summary>
/// The cluster metadata log, <c>__cluster_metadata-0</c>, as a one-voter quorum keeps it: each
/// controller decision is one batch of framed metadata records, flushed before it is applied, and
/// the image is rebuilt by replaying the log at startup. Clustering replicates this same log.
/// </summary>
public sealed class MetadataLog
{
    public static readonly TopicPartition Partition = new("__cluster_metadata", 0);

    private readonly PartitionLog _log;
    private readonly TimeProvider _time;

    public MetadataLog(PartitionLog log, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (!log.Config.Internal)
        {
            throw new ArgumentException("The metadata log must be opened as an internal log (LogConfigFrom), or retention deletes it.", nameof(log));
        }

        _log = log;
        _time = time;
    }

    public long EndOffset => _log.LogEndOffset;

    /// <summary>
    /// The metadata log's config: the broker's log defaults, opened as an internal log. Kafka keeps this
    /// log outside retention too and trims it only below a snapshot; Weir has no snapshots yet, so the
    /// log is kept whole (it holds the topics, configs and producer id blocks).
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
        return result.LastOffset;
    }

    /// <summary>Replays every record from the start, calling <paramref name="apply"/> with its offset.</summary>
    public void Replay(Action<IKafkaMessage, long> apply)
    {
        _log.UpdateHighWatermark(_log.LogEndOffset);
        var from = _log.LogStartOffset;
        _log.ForEachBatch(from, batch =>
        {
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
    }
}
