using System.Buffers.Binary;
using Weir.Protocol.Compression;
using Weir.Protocol.Primitives;

namespace Weir.Protocol.Records;

/// <summary>
/// Checks and reads whole v2 record batches (PROTOCOL-NOTES.md §3). A batch here is the span of
/// exactly one batch, as <see cref="RecordBatchEnumerator"/> yields it.
/// </summary>
public static class RecordBatch
{
    /// <summary>Bytes up to and including the magic byte, the same in every message format.</summary>
    public const int HeaderSizeUpToMagic = RecordBatchHeader.MagicOffset + 1;

    /// <summary>The smallest legal batchLength: a header with no records.</summary>
    public const int MinimumBatchLength = RecordBatchHeader.Size - RecordBatchHeader.LogOverhead;

    /// <summary>
    /// The decompressed size <see cref="ReadRecords"/> accepts unless told otherwise: far above any
    /// real producer's batch (librdkafka's batch.size is 1 MB), far below what a bomb could claim.
    /// </summary>
    public const int DefaultMaxUncompressedBytes = 64 * 1024 * 1024;

    [ThreadStatic]
    private static PooledBufferWriter? _decompressionBuffer;

    /// <summary>
    /// Checks the header and CRC of one batch, in the order Kafka does: size, magic, length, CRC,
    /// then the header fields. Does not look at the records (see <see cref="ValidateRecords"/>).
    /// </summary>
    public static RecordBatchError Validate(ReadOnlySpan<byte> batch)
    {
        if (batch.Length < HeaderSizeUpToMagic)
        {
            return RecordBatchError.TooShort;
        }

        if (batch[RecordBatchHeader.MagicOffset] != RecordBatchHeader.CurrentMagic)
        {
            return RecordBatchError.UnsupportedMagic;
        }

        if (batch.Length < RecordBatchHeader.Size)
        {
            return RecordBatchError.TooShort;
        }

        var header = new RecordBatchHeader(batch);
        if (header.BatchLength < MinimumBatchLength || header.TotalSize != batch.Length)
        {
            return RecordBatchError.InvalidBatchLength;
        }

        if (ComputeCrc(batch) != header.Crc)
        {
            return RecordBatchError.CrcMismatch;
        }

        if (header.RecordsCount < 0)
        {
            return RecordBatchError.InvalidRecordsCount;
        }

        if ((byte)header.Compression > (byte)CompressionType.Zstd)
        {
            return RecordBatchError.UnknownCompressionType;
        }

        return RecordBatchError.None;
    }

    /// <summary>
    /// <see cref="Validate"/> plus every record (decompressing if needed): what a broker checks on
    /// produce. Never throws for bad input, except a missing native codec library.
    /// </summary>
    public static RecordBatchError ValidateRecords(ReadOnlySpan<byte> batch)
    {
        var error = Validate(batch);
        if (error != RecordBatchError.None)
        {
            return error;
        }

        error = TryReadRecords(batch, out var records);
        if (error != RecordBatchError.None)
        {
            return error;
        }

        using (records)
        {
            return records.Validate();
        }
    }

    /// <summary>The CRC-32C the batch should carry: over attributes to the end.</summary>
    public static uint ComputeCrc(ReadOnlySpan<byte> batch) => Crc32C.Compute(batch[RecordBatchHeader.AttributesOffset..]);

    /// <summary>Recomputes and stores the CRC after a CRC-covered field was changed in place.</summary>
    public static void WriteCrc(Span<byte> batch) =>
        BinaryPrimitives.WriteUInt32BigEndian(batch[RecordBatchHeader.CrcOffset..], ComputeCrc(batch));

    /// <summary>
    /// Switches the batch to LogAppendTime with <paramref name="logAppendTime"/> as maxTimestamp,
    /// as a broker with message.timestamp.type=LogAppendTime does, and rewrites the CRC.
    /// </summary>
    public static void SetLogAppendTime(Span<byte> batch, long logAppendTime)
    {
        var attributes = BinaryPrimitives.ReadInt16BigEndian(batch[RecordBatchHeader.AttributesOffset..]);
        BinaryPrimitives.WriteInt16BigEndian(batch[RecordBatchHeader.AttributesOffset..], (short)(attributes | 0x08));
        BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatchHeader.MaxTimestampOffset..], logAppendTime);
        WriteCrc(batch);
    }

    /// <summary>
    /// The batch's records, decompressed into a pooled buffer when compressed. Assumes
    /// <see cref="Validate"/> passed; throws <see cref="ProtocolException"/> when the header is
    /// unusable or decompression fails. Dispose the result.
    /// </summary>
    public static RecordBatchRecords ReadRecords(ReadOnlySpan<byte> batch, int maxUncompressedBytes = DefaultMaxUncompressedBytes)
    {
        var error = TryReadRecords(batch, out var records, maxUncompressedBytes);
        return error == RecordBatchError.None
            ? records
            : throw new ProtocolException($"Cannot read the records of the batch: {error}.");
    }

    /// <summary>
    /// As <see cref="ReadRecords"/>, reporting failure as a value. On success the caller
    /// disposes <paramref name="records"/>. The records themselves are checked while enumerating.
    /// Decompression streams and stops at <paramref name="maxUncompressedBytes"/>
    /// (<see cref="RecordBatchError.DecompressedTooLarge"/>), so a bomb never costs more than that.
    /// </summary>
    public static RecordBatchError TryReadRecords(ReadOnlySpan<byte> batch, out RecordBatchRecords records, int maxUncompressedBytes = DefaultMaxUncompressedBytes)
    {
        records = default;
        if (batch.Length < RecordBatchHeader.Size)
        {
            return RecordBatchError.TooShort;
        }

        var header = new RecordBatchHeader(batch);
        if (header.Magic != RecordBatchHeader.CurrentMagic)
        {
            return RecordBatchError.UnsupportedMagic;
        }

        if (header.BatchLength < MinimumBatchLength || header.TotalSize > batch.Length)
        {
            return RecordBatchError.InvalidBatchLength;
        }

        if (header.RecordsCount < 0)
        {
            return RecordBatchError.InvalidRecordsCount;
        }

        var payload = batch[RecordBatchHeader.Size..header.TotalSize];
        var compression = header.Compression;
        if (compression == CompressionType.None)
        {
            records = new RecordBatchRecords(payload, null, header);
            return RecordBatchError.None;
        }

        if ((byte)compression > (byte)CompressionType.Zstd)
        {
            return RecordBatchError.UnknownCompressionType;
        }

        // Records compress 2-5x typically; start there so most batches decompress without regrowing.
        // The writer is per thread and reused (its array is detached below), so it is not
        // allocated per batch; codecs never call back in here, so there is no reentrancy.
        var buffer = _decompressionBuffer ??= new PooledBufferWriter();
        buffer.GetSpan(Math.Min(Math.Max(payload.Length * 4, 4096), Math.Min(1 << 24, maxUncompressedBytes + 1)));
        try
        {
            CompressionCodecs.Decompress(compression, payload, buffer, maxUncompressedBytes);
        }
        catch (DecompressedSizeExceededException)
        {
            buffer.Dispose(); // returns the array; the writer re-rents on its next use
            return RecordBatchError.DecompressedTooLarge;
        }
        catch (InvalidDataException)
        {
            buffer.Dispose(); // returns the array; the writer re-rents on its next use
            return RecordBatchError.DecompressionFailed;
        }
        catch
        {
            buffer.Dispose(); // returns the array; the writer re-rents on its next use
            throw;
        }

        var rented = buffer.Detach(out var length);
        records = new RecordBatchRecords(rented.AsSpan(0, length), rented, header);
        return RecordBatchError.None;
    }
}
