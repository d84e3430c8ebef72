namespace Weir.Protocol.Records;

/// <summary>
/// Walks a record's headers without copying. The bytes were checked when the record was read, so
/// this does not fail; <c>foreach (var header in record.Headers)</c>.
/// </summary>
public ref struct RecordHeaderEnumerator
{
    private readonly ReadOnlySpan<byte> _bytes;
    private int _position;
    private int _remaining;
    private RecordHeader _current;

    internal RecordHeaderEnumerator(ReadOnlySpan<byte> bytes, int count)
    {
        _bytes = bytes;
        _position = 0;
        _remaining = count;
        _current = default;
    }

    /// <summary>Headers not yet enumerated; the record's header count before the first <see cref="MoveNext"/>.</summary>
    public readonly int Count => _remaining;

    public readonly RecordHeader Current => _current;

    public readonly RecordHeaderEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_remaining <= 0)
        {
            return false;
        }

        RecordVarint.TryReadVarInt(_bytes, ref _position, out var keyLength);
        var key = _bytes.Slice(_position, keyLength);
        _position += keyLength;
        RecordVarint.TryReadVarInt(_bytes, ref _position, out var valueLength);
        ReadOnlySpan<byte> value = default;
        if (valueLength >= 0)
        {
            value = _bytes.Slice(_position, valueLength);
            _position += valueLength;
        }

        _current = new RecordHeader(key, value, valueLength < 0);
        _remaining--;
        return true;
    }
}
