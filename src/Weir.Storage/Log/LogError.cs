namespace Weir.Storage.Log;

/// <summary>Expected failures of log operations, numbered as Kafka's error codes so the broker can cast them.</summary>
public enum LogError : short
{
    None = 0,

    /// <summary>OFFSET_OUT_OF_RANGE: below the log start offset, above the log end offset (or high watermark for DeleteRecords).</summary>
    OffsetOutOfRange = 1,

    /// <summary>INVALID_TOPIC_EXCEPTION: DeleteRecords on an internal log.</summary>
    InvalidTopic = 17,

    /// <summary>RECORD_LIST_TOO_LARGE: the appended batches together exceed segment.bytes.</summary>
    RecordListTooLarge = 18,

    /// <summary>KAFKA_STORAGE_ERROR: the write failed (disk full, I/O error) or the partition's log dir is offline.</summary>
    KafkaStorageError = 56,
}
