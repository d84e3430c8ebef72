using System.Runtime.InteropServices;
using Weir.Protocol;
using Weir.Protocol.Records;
using Weir.Storage.Log;

namespace Weir.Broker.Partitions;

/// <summary>
/// Validates and appends one partition's produced records as the leader: exactly one v2 batch
/// with a valid CRC and sizes (CORRUPT_MESSAGE / INVALID_RECORD / MESSAGE_TOO_LARGE otherwise),
/// its records checked as Kafka's LogValidator does (<see cref="RecordBatchValidator"/>:
/// INVALID_RECORD / INVALID_TIMESTAMP with record_errors), idempotent sequence checks,
/// LogAppendTime stamping, then the log append. The batch bytes are modified in place in the
/// request buffer and stored as they are: records are walked to check them, never rewritten.
/// </summary>
public static class PartitionAppender
{
    /// <summary>
    /// The most a compressed batch may inflate to: 16 x max.message.bytes, at least 32 MiB. Real
    /// producers' batches are a few MB at most uncompressed; a bomb is refused after this many bytes.
    /// </summary>
    public static int MaxUncompressedBytes(int maxMessageBytes) =>
        (int)Math.Min(Math.Max(32L << 20, 16L * maxMessageBytes), Array.MaxLength - 1);

    public static AppendOutcome Append(Partition partition, ReadOnlyMemory<byte>? records, TimeProvider time)
    {
        if (records is not { Length: > 0 } memory)
        {
            return AppendOutcome.Failed(ErrorCode.CorruptMessage, "Produce request has no record batch.");
        }

        // The request frame is our own rented buffer: patch offsets, epoch and timestamps in place.
        var batch = MemoryMarshal.AsMemory(memory).Span;
        var validation = RecordBatch.Validate(batch);
        if (validation != RecordBatchError.None)
        {
            return AppendOutcome.Failed(Classify(validation), $"Record batch is invalid: {validation}.");
        }

        var header = new RecordBatchHeader(batch);
        if (header.TotalSize != batch.Length)
        {
            return AppendOutcome.Failed(ErrorCode.InvalidRecord, "Produce requests must hold exactly one record batch per partition.");
        }

        var config = partition.Log.Config;
        if (batch.Length > config.MaxMessageBytes)
        {
            return AppendOutcome.Failed(ErrorCode.MessageTooLarge, $"The batch of {batch.Length} bytes is larger than max.message.bytes ({config.MaxMessageBytes}).");
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var settings = new RecordValidationSettings(
            now,
            config.IsLogAppendTime,
            config.MessageTimestampBeforeMaxMs,
            config.MessageTimestampAfterMaxMs,
            config.IsCompactPolicy,
            MaxUncompressedBytes(config.MaxMessageBytes));
        if (RecordBatchValidator.Validate(batch, settings) is { } rejection)
        {
            return AppendOutcome.Failed(rejection.Error, $"{rejection.Message} (partition {partition.TopicPartition})", rejection.RecordErrors);
        }

        long? appendTime = null;
        if (config.IsLogAppendTime)
        {
            appendTime = now;
            RecordBatch.SetLogAppendTime(batch, appendTime.Value);
        }

        lock (partition.AppendLock)
        {
            var producerId = header.ProducerId;
            if (producerId >= 0 && header.BaseSequence >= 0)
            {
                var lastSequence = header.BaseSequence + header.LastOffsetDelta;
                var (error, verdict, duplicateOffset) = partition.Producers.Check(producerId, header.ProducerEpoch, header.BaseSequence, lastSequence);
                if (error != ErrorCode.None)
                {
                    return AppendOutcome.Failed(error);
                }

                if (verdict == ProducerStateTable.Verdict.Duplicate)
                {
                    return new AppendOutcome(ErrorCode.None, duplicateOffset, -1, partition.Log.LogStartOffset);
                }

                var result = AppendToLog(partition, batch, appendTime);
                if (result.Error == ErrorCode.None)
                {
                    partition.Producers.Record(producerId, header.ProducerEpoch, header.BaseSequence, lastSequence, result.BaseOffset, appendTime ?? header.MaxTimestamp);
                }

                return result;
            }

            return AppendToLog(partition, batch, appendTime);
        }
    }

    private static AppendOutcome AppendToLog(Partition partition, Span<byte> batch, long? appendTime)
    {
        var result = partition.Log.Append(batch, partition.LeaderEpoch, appendTime);
        if (result.Error == LogError.KafkaStorageError)
        {
            // Retriable for clients: a full disk passes once space is freed (nothing of this batch was kept).
            return AppendOutcome.Failed(ErrorCode.KafkaStorageError, partition.Log.IsOffline
                ? "The partition's log dir is offline."
                : $"The write failed: {partition.Log.LastStorageError?.Message}");
        }

        if (result.Error != LogError.None)
        {
            return AppendOutcome.Failed((ErrorCode)(short)result.Error);
        }

        // A single node is the whole ISR: the high watermark follows the log end at once.
        partition.Log.UpdateHighWatermark(partition.Log.LogEndOffset);
        return new AppendOutcome(ErrorCode.None, result.BaseOffset, appendTime ?? -1, result.LogStartOffset);
    }

    private static ErrorCode Classify(RecordBatchError error) => error switch
    {
        RecordBatchError.InvalidRecordsCount or RecordBatchError.RecordsCountMismatch or RecordBatchError.MalformedRecord
            or RecordBatchError.RecordSizeMismatch or RecordBatchError.RecordTruncated => ErrorCode.InvalidRecord,
        RecordBatchError.UnknownCompressionType => ErrorCode.UnsupportedCompressionType,
        _ => ErrorCode.CorruptMessage,
    };
}
