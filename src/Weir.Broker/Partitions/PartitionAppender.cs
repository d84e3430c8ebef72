using System.Runtime.InteropServices;
using Weir.Protocol;
using Weir.Protocol.Records;
using Weir.Storage;

namespace Weir.Broker.Partitions;

/// <summary>
/// Validates one partition's produced records before <see cref="Partition.AppendAsLeader"/> appends
/// them: exactly one v2 batch with a valid CRC and sizes (CORRUPT_MESSAGE / INVALID_RECORD /
/// MESSAGE_TOO_LARGE otherwise), its records checked as Kafka's LogValidator does
/// (<see cref="RecordBatchValidator"/>: INVALID_RECORD / INVALID_TIMESTAMP with record_errors), and
/// LogAppendTime stamping. The batch bytes are modified in place in the request buffer and stored as
/// they are: records are walked to check them, never rewritten.
/// </summary>
public static class PartitionAppender
{
    /// <summary>
    /// The most a compressed batch may inflate to: 16 x max.message.bytes, at least 32 MiB. Real
    /// producers' batches are a few MB at most uncompressed; a bomb is refused after this many bytes.
    /// </summary>
    public static int MaxUncompressedBytes(int maxMessageBytes) =>
        (int)Math.Min(Math.Max(32L << 20, 16L * maxMessageBytes), Array.MaxLength - 1);

    /// <summary>
    /// Checks <paramref name="records"/> against <paramref name="config"/> and stamps LogAppendTime;
    /// false with the failure to answer otherwise.
    /// </summary>
    public static bool TryValidate(LogConfig config, TopicPartition topicPartition, ReadOnlyMemory<byte>? records, long nowMs, out Memory<byte> batch, out long? appendTime, out AppendOutcome failure)
    {
        batch = default;
        appendTime = null;
        failure = default;
        if (records is not { Length: > 0 } memory)
        {
            failure = AppendOutcome.Failed(ErrorCode.CorruptMessage, "Produce request has no record batch.");
            return false;
        }

        // The request frame is our own rented buffer: patch offsets, epoch and timestamps in place.
        batch = MemoryMarshal.AsMemory(memory);
        var span = batch.Span;
        var validation = RecordBatch.Validate(span);
        if (validation != RecordBatchError.None)
        {
            failure = AppendOutcome.Failed(Classify(validation), $"Record batch is invalid: {validation}.");
            return false;
        }

        var header = new RecordBatchHeader(span);
        if (header.TotalSize != span.Length)
        {
            failure = AppendOutcome.Failed(ErrorCode.InvalidRecord, "Produce requests must hold exactly one record batch per partition.");
            return false;
        }

        if (span.Length > config.MaxMessageBytes)
        {
            failure = AppendOutcome.Failed(ErrorCode.MessageTooLarge, $"The batch of {span.Length} bytes is larger than max.message.bytes ({config.MaxMessageBytes}).");
            return false;
        }

        var settings = new RecordValidationSettings(
            nowMs,
            config.IsLogAppendTime,
            config.MessageTimestampBeforeMaxMs,
            config.MessageTimestampAfterMaxMs,
            config.IsCompactPolicy,
            MaxUncompressedBytes(config.MaxMessageBytes));
        if (RecordBatchValidator.Validate(span, settings) is { } rejection)
        {
            failure = AppendOutcome.Failed(rejection.Error, $"{rejection.Message} (partition {topicPartition})", rejection.RecordErrors);
            return false;
        }

        if (config.IsLogAppendTime)
        {
            appendTime = nowMs;
            RecordBatch.SetLogAppendTime(span, nowMs);
        }

        return true;
    }

    private static ErrorCode Classify(RecordBatchError error) => error switch
    {
        RecordBatchError.InvalidRecordsCount or RecordBatchError.RecordsCountMismatch or RecordBatchError.MalformedRecord
            or RecordBatchError.RecordSizeMismatch or RecordBatchError.RecordTruncated => ErrorCode.InvalidRecord,
        RecordBatchError.UnknownCompressionType => ErrorCode.UnsupportedCompressionType,
        _ => ErrorCode.CorruptMessage,
    };
}
