namespace Weir.Protocol.Records;

/// <summary>
/// Why a record batch, or a record inside it, cannot be accepted. Kafka answers the batch-level
/// ones (<see cref="TooShort"/> to <see cref="UnknownCompressionType"/>, and
/// <see cref="DecompressionFailed"/>) with CORRUPT_MESSAGE, and the record-level ones with
/// INVALID_RECORD (Java's CorruptRecordException vs InvalidRecordException).
/// </summary>
public enum RecordBatchError
{
    None = 0,

    /// <summary>Fewer bytes than the 61-byte v2 header (or than the 17 bytes up to the magic byte).</summary>
    TooShort,

    /// <summary>The magic byte is not 2: a legacy message set or garbage.</summary>
    UnsupportedMagic,

    /// <summary><c>12 + batchLength</c> differs from the bytes given, or is below the header size.</summary>
    InvalidBatchLength,

    /// <summary>The CRC-32C over attributes..end does not match the stored one.</summary>
    CrcMismatch,

    /// <summary>recordsCount is negative.</summary>
    InvalidRecordsCount,

    /// <summary>Attributes name a codec id above 4.</summary>
    UnknownCompressionType,

    /// <summary>The compressed records could not be decompressed (corrupt or truncated stream).</summary>
    DecompressionFailed,

    /// <summary>A record's length, key, value or header runs past the record or the batch.</summary>
    RecordTruncated,

    /// <summary>A record's length or a varint field is malformed (negative length, varint over 5/10 bytes, null header key).</summary>
    MalformedRecord,

    /// <summary>A record's fields do not fill exactly its declared length.</summary>
    RecordSizeMismatch,

    /// <summary>recordsCount disagrees with the records actually present (too few, or bytes left over).</summary>
    RecordsCountMismatch,

    /// <summary>The compressed records inflate beyond the bound the reader set (a decompression bomb).</summary>
    DecompressedTooLarge,
}
