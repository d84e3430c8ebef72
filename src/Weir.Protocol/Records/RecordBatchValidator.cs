namespace Weir.Protocol.Records;

/// <summary>What a produced batch is checked against: the topic's settings and the broker's clock.</summary>
/// <param name="NowMs">The broker's time, for the timestamp bounds.</param>
/// <param name="LogAppendTime">The topic's message.timestamp.type is LogAppendTime.</param>
/// <param name="TimestampBeforeMaxMs">message.timestamp.before.max.ms (long.MaxValue: no bound).</param>
/// <param name="TimestampAfterMaxMs">message.timestamp.after.max.ms (long.MaxValue: no bound).</param>
/// <param name="CompactedTopic">cleanup.policy includes compact: every record needs a key.</param>
/// <param name="MaxUncompressedBytes">Most bytes a compressed batch may inflate to.</param>
public readonly record struct RecordValidationSettings(
    long NowMs,
    bool LogAppendTime,
    long TimestampBeforeMaxMs,
    long TimestampAfterMaxMs,
    bool CompactedTopic,
    int MaxUncompressedBytes);

/// <summary>One refused record: its index in the batch and why (Produce v8+'s record_errors).</summary>
public readonly record struct RecordError(int BatchIndex, string Message);

/// <summary>Why a batch was refused: the partition's error code, its error_message and record_errors.</summary>
public sealed record RecordBatchRejection(ErrorCode Error, string Message, IReadOnlyList<RecordError> RecordErrors);

/// <summary>
/// The record-level checks of Kafka's LogValidator for a v2 batch a client produced, after
/// <see cref="RecordBatch.Validate"/> (sizes, magic, CRC) passed: a consistent offset range and
/// count, no control batch, every record well formed with offset deltas 0..n-1 in order, exactly
/// recordsCount of them, timestamps within the topic's bounds, keys on compacted topics.
/// Uncompressed records are walked in place; compressed ones are decompressed (streaming, bounded
/// by <see cref="RecordValidationSettings.MaxUncompressedBytes"/>) into a pooled buffer. Nothing is
/// allocated unless the batch is refused. Weir stores batches as received, so where Kafka would
/// rewrite a batch (inner offsets of a compressed batch not 0..n-1) this refuses it instead; and
/// unlike Kafka it refuses non-zero record attributes (unused), which kafka-python misreads.
/// </summary>
public static class RecordBatchValidator
{
    /// <summary>Null when the batch may be appended; otherwise why not.</summary>
    public static RecordBatchRejection? Validate(ReadOnlySpan<byte> batch, in RecordValidationSettings settings)
    {
        var header = new RecordBatchHeader(batch);
        var lastOffsetDelta = header.LastOffsetDelta;
        var count = header.RecordsCount;
        if (lastOffsetDelta < 0)
        {
            return Reject(ErrorCode.InvalidRecord, $"Batch has an invalid offset range: lastOffsetDelta is {lastOffsetDelta}.");
        }

        if (count <= 0)
        {
            return Reject(ErrorCode.InvalidRecord, $"Invalid reported count for record batch: {count}.");
        }

        if (lastOffsetDelta + 1L != count)
        {
            return Reject(ErrorCode.InvalidRecord, $"Inconsistent batch offset range [0, {lastOffsetDelta}] and count of records {count}.");
        }

        if (header.IsControl)
        {
            return Reject(ErrorCode.InvalidRecord, "Clients are not allowed to write control records.");
        }

        if (header.ProducerId >= 0 && header.BaseSequence < 0)
        {
            return Reject(ErrorCode.InvalidRecord, $"Invalid sequence number {header.BaseSequence} in record batch with producerId {header.ProducerId}.");
        }

        var read = RecordBatch.TryReadRecords(batch, out var records, settings.MaxUncompressedBytes);
        if (read != RecordBatchError.None)
        {
            return read switch
            {
                RecordBatchError.DecompressedTooLarge => Reject(ErrorCode.InvalidRecord, $"The {header.Compression} records inflate beyond {settings.MaxUncompressedBytes} bytes."),
                RecordBatchError.UnknownCompressionType => Reject(ErrorCode.UnsupportedCompressionType, $"Unknown compression type in attributes {header.Attributes}."),
                _ => Reject(ErrorCode.CorruptMessage, $"The {header.Compression} records cannot be decompressed: {read}."),
            };
        }

        using (records)
        {
            return ValidateRecords(records, header, settings);
        }
    }

    private static RecordBatchRejection? ValidateRecords(in RecordBatchRecords records, RecordBatchHeader header, in RecordValidationSettings settings)
    {
        // Bounds as Kafka computes them (now - ts > before, ts - now > after), saturating instead
        // of wrapping, and none at all for long.MaxValue (the default).
        var checkTimestamps = !settings.LogAppendTime;
        var lowest = settings.TimestampBeforeMaxMs == long.MaxValue ? long.MinValue : SaturatingSubtract(settings.NowMs, settings.TimestampBeforeMaxMs);
        var highest = settings.TimestampAfterMaxMs == long.MaxValue ? long.MaxValue : SaturatingAdd(settings.NowMs, settings.TimestampAfterMaxMs);
        var logAppendTimeBatch = header.IsLogAppendTime;
        List<RecordError>? errors = null;
        var timestampErrors = false;
        var index = 0;
        var enumerator = records.GetEnumerator();
        RecordBatchError structural;
        while (enumerator.TryMoveNext(out structural))
        {
            var record = enumerator.Current;
            if (record.OffsetDelta != index)
            {
                Add(ref errors, index, $"Record {index} has offset delta {record.OffsetDelta}; a batch's offset deltas must be 0, 1, 2, ... in order.");
            }
            else if (record.Attributes != 0)
            {
                // Unused in v2 and written as 0 by every client; kafka-python reads the field as a
                // varint, so a byte >= 0x80 here would break its consumers (Kafka accepts any value).
                Add(ref errors, index, $"Record {index} has attributes {record.Attributes}; record attributes are unused and must be 0.");
            }
            else if (settings.CompactedTopic && record.IsKeyNull)
            {
                Add(ref errors, index, "Compacted topic cannot accept message without key.");
            }
            else if (checkTimestamps && record.Timestamp != -1)
            {
                if (record.Timestamp < lowest || record.Timestamp > highest)
                {
                    timestampErrors = true;
                    Add(ref errors, index, $"Timestamp {record.Timestamp} of message with offset delta {index} is out of range. The timestamp should be within [{lowest}, {highest}].");
                }
            }
            else if (logAppendTimeBatch)
            {
                timestampErrors = true;
                Add(ref errors, index, "Invalid timestamp type in message. Producer should not set timestamp type to LogAppendTime.");
            }

            index++;
        }

        if (structural != RecordBatchError.None)
        {
            var message = structural == RecordBatchError.RecordsCountMismatch
                ? $"Incorrect declared batch size: recordsCount is {records.Count} but the batch holds {(index < records.Count ? $"only {index} records" : "more bytes after them")}."
                : $"Record {index} of the batch is malformed: {Describe(structural)}.";
            return new RecordBatchRejection(ErrorCode.InvalidRecord, message, [new RecordError(index, message)]);
        }

        if (errors is null)
        {
            return null;
        }

        // Kafka: any timestamp error makes the whole answer INVALID_TIMESTAMP, else INVALID_RECORD.
        return timestampErrors
            ? new RecordBatchRejection(ErrorCode.InvalidTimestamp, "One or more records have been rejected due to invalid timestamp.", errors)
            : new RecordBatchRejection(ErrorCode.InvalidRecord, $"One or more records have been rejected due to {errors.Count} record errors in total; the first: {errors[0].Message}", errors);
    }

    private static string Describe(RecordBatchError error) => error switch
    {
        RecordBatchError.RecordTruncated => "its length prefix, key, value or a header runs past the record or the batch",
        RecordBatchError.RecordSizeMismatch => "its fields do not fill exactly the length its prefix declares",
        RecordBatchError.MalformedRecord => "a length or varint is invalid (negative, over-long, or a null header key)",
        _ => error.ToString(),
    };

    private static void Add(ref List<RecordError>? errors, int index, string message) =>
        (errors ??= []).Add(new RecordError(index, message));

    private static RecordBatchRejection Reject(ErrorCode error, string message) => new(error, message, []);

    private static long SaturatingSubtract(long a, long b)
    {
        var result = a - b;
        return ((a ^ b) & (a ^ result)) < 0 ? long.MinValue : result;
    }

    private static long SaturatingAdd(long a, long b)
    {
        var result = a + b;
        return ((a ^ result) & (b ^ result)) < 0 ? long.MaxValue : result;
    }
}
