using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Weir.Protocol.Compression;
using Weir.Protocol.Primitives;

namespace Weir.Protocol.Records;

/// <summary>
/// Builds one v2 record batch. Set the batch fields, append records (encoded straight into a
/// pooled buffer: no allocation per record), then <see cref="Build"/> compresses them and writes
/// header, records and CRC into the output. <see cref="Reset"/> makes it ready for the next batch
/// and keeps its buffers. baseTimestamp is the first record's timestamp, as in Java's
/// MemoryRecordsBuilder; with LogAppendTime the header's maxTimestamp is <see cref="LogAppendTime"/>.
/// </summary>
public sealed class RecordBatchBuilder : IDisposable
{
    private readonly PooledBufferWriter _records = new();
    private PooledBufferWriter? _compressed;

    public RecordBatchBuilder()
    {
        Reset();
    }

    public long BaseOffset { get; set; }

    public int PartitionLeaderEpoch { get; set; }

    public CompressionType Compression { get; set; }

    public TimestampType TimestampType { get; set; }

    /// <summary>The broker's append time, written as maxTimestamp when <see cref="TimestampType"/> is LogAppendTime.</summary>
    public long LogAppendTime { get; set; }

    public long ProducerId { get; set; }

    public short ProducerEpoch { get; set; }

    public int BaseSequence { get; set; }

    public bool IsTransactional { get; set; }

    /// <summary>A control batch (transaction markers); set <see cref="IsTransactional"/> too for markers.</summary>
    public bool IsControl { get; set; }

    public int RecordsCount { get; private set; }

    /// <summary>The offsetDelta of the last record appended, -1 before any.</summary>
    public int LastOffsetDelta { get; private set; }

    /// <summary>The first record's timestamp, -1 before any.</summary>
    public long BaseTimestamp { get; private set; }

    /// <summary>The largest record timestamp so far, -1 before any.</summary>
    public long MaxTimestamp { get; private set; }

    /// <summary>The batch's size if built now without compression.</summary>
    public int UncompressedSizeInBytes => RecordBatchHeader.Size + _records.WrittenCount;

    /// <summary>Clears the records and sets every batch field back to "none" (offsets 0, ids -1, no compression, CreateTime).</summary>
    public void Reset()
    {
        _records.Clear();
        BaseOffset = 0;
        PartitionLeaderEpoch = -1;
        Compression = CompressionType.None;
        TimestampType = TimestampType.CreateTime;
        LogAppendTime = -1;
        ProducerId = -1;
        ProducerEpoch = -1;
        BaseSequence = -1;
        IsTransactional = false;
        IsControl = false;
        RecordsCount = 0;
        LastOffsetDelta = -1;
        BaseTimestamp = -1;
        MaxTimestamp = -1;
    }

    /// <summary>Appends a record at the next offset; a null array is a null key or value.</summary>
    public void Append(long timestamp, byte[]? key, byte[]? value, ReadOnlySpan<RecordHeaderData> headers = default) =>
        AppendWithOffsetDelta(LastOffsetDelta + 1, timestamp, key, key is null, value, value is null, headers);

    /// <summary>Appends a record at the next offset from spans, with explicit null flags.</summary>
    public void Append(
        long timestamp,
        ReadOnlySpan<byte> key,
        bool keyIsNull,
        ReadOnlySpan<byte> value,
        bool valueIsNull,
        ReadOnlySpan<RecordHeaderData> headers) =>
        AppendWithOffsetDelta(LastOffsetDelta + 1, timestamp, key, keyIsNull, value, valueIsNull, headers);

    /// <summary>
    /// Appends a record at baseOffset + <paramref name="offsetDelta"/>, which must exceed the
    /// previous one (gaps are allowed, as in compacted batches).
    /// </summary>
    public void AppendWithOffsetDelta(
        int offsetDelta,
        long timestamp,
        ReadOnlySpan<byte> key,
        bool keyIsNull,
        ReadOnlySpan<byte> value,
        bool valueIsNull,
        ReadOnlySpan<RecordHeaderData> headers)
    {
        if (offsetDelta <= LastOffsetDelta)
        {
            throw new ArgumentOutOfRangeException(nameof(offsetDelta), offsetDelta, $"Offset deltas must increase; the last was {LastOffsetDelta}.");
        }

        if (RecordsCount == 0)
        {
            BaseTimestamp = timestamp;
            MaxTimestamp = timestamp;
        }

        var timestampDelta = timestamp - BaseTimestamp;

        var bodySize = 1 + KafkaWriter.SizeOfVarLong(timestampDelta) + KafkaWriter.SizeOfVarInt(offsetDelta) +
                       SizeOfNullableBytes(key.Length, keyIsNull) + SizeOfNullableBytes(value.Length, valueIsNull) +
                       KafkaWriter.SizeOfVarInt(headers.Length);
        foreach (ref readonly var header in headers)
        {
            var keyLength = Encoding.UTF8.GetByteCount(header.Key);
            bodySize += KafkaWriter.SizeOfVarInt(keyLength) + keyLength + SizeOfNullableBytes(header.Value.Length, header.IsValueNull);
        }

        var total = KafkaWriter.SizeOfVarInt(bodySize) + bodySize;
        var span = _records.GetSpan(total)[..total];
        var p = RecordVarint.WriteVarInt(span, bodySize);
        span[p++] = 0; // record attributes: unused
        p += RecordVarint.WriteVarLong(span[p..], timestampDelta);
        p += RecordVarint.WriteVarInt(span[p..], offsetDelta);
        p += WriteNullableBytes(span[p..], key, keyIsNull);
        p += WriteNullableBytes(span[p..], value, valueIsNull);
        p += RecordVarint.WriteVarInt(span[p..], headers.Length);
        foreach (ref readonly var header in headers)
        {
            var keyLength = Encoding.UTF8.GetByteCount(header.Key);
            p += RecordVarint.WriteVarInt(span[p..], keyLength);
            p += Encoding.UTF8.GetBytes(header.Key, span[p..]);
            p += WriteNullableBytes(span[p..], header.Value.Span, header.IsValueNull);
        }

        if (p != total)
        {
            throw new InvalidOperationException($"Record size miscomputed: {p} written, {total} expected.");
        }

        _records.Advance(total);
        RecordsCount++;
        LastOffsetDelta = offsetDelta;
        if (timestamp > MaxTimestamp)
        {
            MaxTimestamp = timestamp;
        }
    }

    /// <summary>Appends a transaction marker; the batch must be a control batch.</summary>
    public void AppendEndTransactionMarker(long timestamp, EndTransactionMarker marker)
    {
        if (!IsControl)
        {
            throw new InvalidOperationException("Transaction markers go in control batches; set IsControl first.");
        }

        Span<byte> key = stackalloc byte[ControlRecord.KeySize];
        Span<byte> value = stackalloc byte[EndTransactionMarker.ValueSize];
        marker.WriteKey(key);
        marker.WriteValue(value);
        Append(timestamp, key, false, value, false, default);
    }

    /// <summary>Writes the finished batch into <paramref name="output"/>; returns its size in bytes.</summary>
    public int Build(IBufferWriter<byte> output)
    {
        if (RecordsCount == 0)
        {
            throw new InvalidOperationException("A record batch needs at least one record.");
        }

        ReadOnlySpan<byte> payload;
        if (Compression == CompressionType.None)
        {
            payload = _records.WrittenSpan;
        }
        else
        {
            _compressed ??= new PooledBufferWriter();
            _compressed.Clear();
            CompressionCodecs.Compress(Compression, _records.WrittenSpan, _compressed);
            payload = _compressed.WrittenSpan;
        }

        var total = RecordBatchHeader.Size + payload.Length;
        var batch = output.GetSpan(total)[..total];
        var attributes = (short)((int)Compression |
                                 (TimestampType == TimestampType.LogAppendTime ? 0x08 : 0) |
                                 (IsTransactional ? 0x10 : 0) |
                                 (IsControl ? 0x20 : 0));
        BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatchHeader.BaseOffsetOffset..], BaseOffset);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatchHeader.BatchLengthOffset..], total - RecordBatchHeader.LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatchHeader.PartitionLeaderEpochOffset..], PartitionLeaderEpoch);
        batch[RecordBatchHeader.MagicOffset] = RecordBatchHeader.CurrentMagic;
        BinaryPrimitives.WriteInt16BigEndian(batch[RecordBatchHeader.AttributesOffset..], attributes);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatchHeader.LastOffsetDeltaOffset..], LastOffsetDelta);
        BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatchHeader.BaseTimestampOffset..], BaseTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(
            batch[RecordBatchHeader.MaxTimestampOffset..],
            TimestampType == TimestampType.LogAppendTime ? LogAppendTime : MaxTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatchHeader.ProducerIdOffset..], ProducerId);
        BinaryPrimitives.WriteInt16BigEndian(batch[RecordBatchHeader.ProducerEpochOffset..], ProducerEpoch);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatchHeader.BaseSequenceOffset..], BaseSequence);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatchHeader.RecordsCountOffset..], RecordsCount);
        payload.CopyTo(batch[RecordBatchHeader.Size..]);
        RecordBatch.WriteCrc(batch);
        output.Advance(total);
        return total;
    }

    public void Dispose()
    {
        _records.Dispose();
        _compressed?.Dispose();
    }

    private static int SizeOfNullableBytes(int length, bool isNull) =>
        isNull ? 1 : KafkaWriter.SizeOfVarInt(length) + length;

    private static int WriteNullableBytes(Span<byte> destination, ReadOnlySpan<byte> bytes, bool isNull)
    {
        if (isNull)
        {
            destination[0] = 1; // zig-zag -1
            return 1;
        }

        var p = RecordVarint.WriteVarInt(destination, bytes.Length);
        bytes.CopyTo(destination[p..]);
        return p + bytes.Length;
    }
}
