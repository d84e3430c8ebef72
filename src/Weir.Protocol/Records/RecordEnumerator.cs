using Weir.Protocol.Primitives;

namespace Weir.Protocol.Records;

/// <summary>
/// Reads the records of one batch in place. Each record is fully checked before it is returned.
/// <see cref="MoveNext"/> throws <see cref="ProtocolException"/> on a malformed record (the
/// <c>foreach</c> path, for clients); <see cref="TryMoveNext"/> reports it as a
/// <see cref="RecordBatchError"/> instead (the broker path, answered with INVALID_RECORD).
/// A batch whose recordsCount disagrees with its records is malformed too.
/// </summary>
public ref struct RecordEnumerator
{
    private readonly ReadOnlySpan<byte> _records;
    private readonly long _baseOffset;
    private readonly long _baseTimestamp;
    private readonly long _maxTimestamp;
    private readonly bool _logAppendTime;
    private int _position;
    private int _remaining;
    private Record _current;

    /// <param name="records">The (decompressed) record bytes that follow the 61-byte header.</param>
    public RecordEnumerator(
        ReadOnlySpan<byte> records,
        int recordsCount,
        long baseOffset,
        long baseTimestamp,
        long maxTimestamp,
        bool logAppendTime)
    {
        _records = records;
        _remaining = recordsCount;
        _baseOffset = baseOffset;
        _baseTimestamp = baseTimestamp;
        _maxTimestamp = maxTimestamp;
        _logAppendTime = logAppendTime;
        _position = 0;
        _current = default;
    }

    public readonly Record Current => _current;

    public readonly RecordEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (TryMoveNext(out var error))
        {
            return true;
        }

        if (error != RecordBatchError.None)
        {
            throw new ProtocolException($"Malformed record at byte {_position} of the batch's records: {error}.");
        }

        return false;
    }

    /// <summary>
    /// Advances to the next record. False with <see cref="RecordBatchError.None"/> at the end;
    /// false with an error when the record (or the count) is malformed, after which it stays there.
    /// </summary>
    public bool TryMoveNext(out RecordBatchError error)
    {
        if (_remaining <= 0)
        {
            // All declared records were read; any byte left means the count was wrong.
            error = _remaining == 0 && _position != _records.Length ? RecordBatchError.RecordsCountMismatch : RecordBatchError.None;
            return false;
        }

        if (_position >= _records.Length)
        {
            error = RecordBatchError.RecordsCountMismatch;
            return false;
        }

        error = ReadRecord();
        if (error != RecordBatchError.None)
        {
            _remaining = -1; // stop here: later calls report the end, not garbage
            return false;
        }

        _remaining--;
        return true;
    }

    private RecordBatchError ReadRecord()
    {
        var pos = _position;
        if (!RecordVarint.TryReadVarInt(_records, ref pos, out var length))
        {
            return RecordBatchError.MalformedRecord;
        }

        if (length < 0)
        {
            return RecordBatchError.MalformedRecord;
        }

        if (length > _records.Length - pos)
        {
            return RecordBatchError.RecordTruncated;
        }

        var record = _records.Slice(pos, length);
        var p = 0;
        if (record.Length < 1)
        {
            return RecordBatchError.RecordTruncated;
        }

        var attributes = record[p++];
        if (!RecordVarint.TryReadVarLong(record, ref p, out var timestampDelta) ||
            !RecordVarint.TryReadVarInt(record, ref p, out var offsetDelta))
        {
            return RecordBatchError.MalformedRecord;
        }

        var error = ReadNullableBytes(record, ref p, out var key, out var isKeyNull);
        if (error != RecordBatchError.None)
        {
            return error;
        }

        error = ReadNullableBytes(record, ref p, out var value, out var isValueNull);
        if (error != RecordBatchError.None)
        {
            return error;
        }

        if (!RecordVarint.TryReadVarInt(record, ref p, out var headerCount) || headerCount < 0)
        {
            return RecordBatchError.MalformedRecord;
        }

        var headersStart = p;
        for (var i = 0; i < headerCount; i++)
        {
            error = ReadNullableBytes(record, ref p, out _, out var isHeaderKeyNull);
            if (error != RecordBatchError.None)
            {
                return error;
            }

            if (isHeaderKeyNull)
            {
                return RecordBatchError.MalformedRecord;
            }

            error = ReadNullableBytes(record, ref p, out _, out _);
            if (error != RecordBatchError.None)
            {
                return error;
            }
        }

        if (p != record.Length)
        {
            return RecordBatchError.RecordSizeMismatch;
        }

        _current = new Record(
            _baseOffset + offsetDelta,
            _logAppendTime ? _maxTimestamp : _baseTimestamp + timestampDelta,
            offsetDelta,
            timestampDelta,
            attributes,
            key,
            isKeyNull,
            value,
            isValueNull,
            record[headersStart..p],
            headerCount);
        _position = pos + length;
        return RecordBatchError.None;
    }

    private static RecordBatchError ReadNullableBytes(ReadOnlySpan<byte> record, scoped ref int p, out ReadOnlySpan<byte> bytes, out bool isNull)
    {
        bytes = default;
        isNull = false;
        if (!RecordVarint.TryReadVarInt(record, ref p, out var length) || length < -1)
        {
            return RecordBatchError.MalformedRecord;
        }

        if (length == -1)
        {
            isNull = true;
            return RecordBatchError.None;
        }

        if (length > record.Length - p)
        {
            return RecordBatchError.RecordTruncated;
        }

        bytes = record.Slice(p, length);
        p += length;
        return RecordBatchError.None;
    }
}
