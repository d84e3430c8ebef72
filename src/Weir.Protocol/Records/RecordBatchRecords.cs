using System.Buffers;

namespace Weir.Protocol.Records;

/// <summary>
/// The records of one batch, ready to enumerate: a view of the batch itself when uncompressed, or
/// of a buffer rented from <see cref="ArrayPool{T}.Shared"/> holding the decompressed records.
/// Dispose exactly once (<c>using var records = RecordBatch.ReadRecords(batch);</c>) to return
/// that buffer; records read from it are invalid afterwards. Do not copy this struct.
/// </summary>
public ref struct RecordBatchRecords
{
    private readonly ReadOnlySpan<byte> _records;
    private readonly int _count;
    private readonly long _baseOffset;
    private readonly long _baseTimestamp;
    private readonly long _maxTimestamp;
    private readonly bool _logAppendTime;
    private byte[]? _rented;

    internal RecordBatchRecords(ReadOnlySpan<byte> records, byte[]? rented, RecordBatchHeader header)
    {
        _records = records;
        _rented = rented;
        _count = header.RecordsCount;
        _baseOffset = header.BaseOffset;
        _baseTimestamp = header.BaseTimestamp;
        _maxTimestamp = header.MaxTimestamp;
        _logAppendTime = header.IsLogAppendTime;
    }

    /// <summary>The uncompressed record bytes.</summary>
    public readonly ReadOnlySpan<byte> Bytes => _records;

    public readonly int Count => _count;

    public readonly RecordEnumerator GetEnumerator() =>
        new(_records, _count, _baseOffset, _baseTimestamp, _maxTimestamp, _logAppendTime);

    /// <summary>Checks every record without throwing: the first problem found, or <see cref="RecordBatchError.None"/>.</summary>
    public readonly RecordBatchError Validate()
    {
        var records = GetEnumerator();
        RecordBatchError error;
        while (records.TryMoveNext(out error))
        {
        }

        return error;
    }

    public void Dispose()
    {
        var rented = _rented;
        _rented = null;
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
