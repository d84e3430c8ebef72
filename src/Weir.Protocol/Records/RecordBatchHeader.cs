using System.Buffers.Binary;

namespace Weir.Protocol.Records;

/// <summary>
/// A view over the fixed 61-byte header of a magic-2 record batch (PROTOCOL-NOTES.md §3).
/// Reads and patches fields in place; it never copies the batch. Offsets are Kafka's
/// <c>DefaultRecordBatch</c> constants.
/// </summary>
public readonly ref struct RecordBatchHeader
{
    public const int BaseOffsetOffset = 0;
    public const int BatchLengthOffset = 8;
    public const int PartitionLeaderEpochOffset = 12;
    public const int MagicOffset = 16;
    public const int CrcOffset = 17;
    public const int AttributesOffset = 21;
    public const int LastOffsetDeltaOffset = 23;
    public const int BaseTimestampOffset = 27;
    public const int MaxTimestampOffset = 35;
    public const int ProducerIdOffset = 43;
    public const int ProducerEpochOffset = 51;
    public const int BaseSequenceOffset = 53;
    public const int RecordsCountOffset = 57;

    /// <summary>Bytes before the records: Kafka's RECORD_BATCH_OVERHEAD.</summary>
    public const int Size = 61;

    /// <summary>baseOffset + batchLength: Kafka's LOG_OVERHEAD, the same in every format.</summary>
    public const int LogOverhead = 12;

    public const byte CurrentMagic = 2;

    private readonly ReadOnlySpan<byte> _bytes;

    /// <param name="batch">At least <see cref="Size"/> bytes starting at the batch's first byte.</param>
    public RecordBatchHeader(ReadOnlySpan<byte> batch)
    {
        if (batch.Length < Size)
        {
            throw new ArgumentException($"A record batch header needs {Size} bytes, got {batch.Length}.", nameof(batch));
        }

        _bytes = batch;
    }

    public long BaseOffset => BinaryPrimitives.ReadInt64BigEndian(_bytes[BaseOffsetOffset..]);

    /// <summary>Bytes after the batchLength field; the whole batch is <c>LogOverhead + BatchLength</c>.</summary>
    public int BatchLength => BinaryPrimitives.ReadInt32BigEndian(_bytes[BatchLengthOffset..]);

    public int TotalSize => LogOverhead + BatchLength;

    public int PartitionLeaderEpoch => BinaryPrimitives.ReadInt32BigEndian(_bytes[PartitionLeaderEpochOffset..]);

    public byte Magic => _bytes[MagicOffset];

    public uint Crc => BinaryPrimitives.ReadUInt32BigEndian(_bytes[CrcOffset..]);

    public short Attributes => BinaryPrimitives.ReadInt16BigEndian(_bytes[AttributesOffset..]);

    public CompressionType Compression => (CompressionType)(Attributes & 0x07);

    public bool IsLogAppendTime => (Attributes & 0x08) != 0;

    public bool IsTransactional => (Attributes & 0x10) != 0;

    public bool IsControl => (Attributes & 0x20) != 0;

    public bool HasDeleteHorizon => (Attributes & 0x40) != 0;

    public int LastOffsetDelta => BinaryPrimitives.ReadInt32BigEndian(_bytes[LastOffsetDeltaOffset..]);

    public long LastOffset => BaseOffset + LastOffsetDelta;

    public long BaseTimestamp => BinaryPrimitives.ReadInt64BigEndian(_bytes[BaseTimestampOffset..]);

    public long MaxTimestamp => BinaryPrimitives.ReadInt64BigEndian(_bytes[MaxTimestampOffset..]);

    public long ProducerId => BinaryPrimitives.ReadInt64BigEndian(_bytes[ProducerIdOffset..]);

    public short ProducerEpoch => BinaryPrimitives.ReadInt16BigEndian(_bytes[ProducerEpochOffset..]);

    public int BaseSequence => BinaryPrimitives.ReadInt32BigEndian(_bytes[BaseSequenceOffset..]);

    public int RecordsCount => BinaryPrimitives.ReadInt32BigEndian(_bytes[RecordsCountOffset..]);

    /// <summary>Assigns the batch's offsets in place; the CRC does not cover this field.</summary>
    public static void SetBaseOffset(Span<byte> batch, long baseOffset) =>
        BinaryPrimitives.WriteInt64BigEndian(batch[BaseOffsetOffset..], baseOffset);

    /// <summary>Stamps the leader epoch in place; the CRC does not cover this field.</summary>
    public static void SetPartitionLeaderEpoch(Span<byte> batch, int epoch) =>
        BinaryPrimitives.WriteInt32BigEndian(batch[PartitionLeaderEpochOffset..], epoch);
}
