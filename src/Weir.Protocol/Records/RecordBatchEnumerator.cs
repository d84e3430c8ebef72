using System.Buffers.Binary;

namespace Weir.Protocol.Records;

/// <summary>
/// Splits a buffer of concatenated batches (a produce request's or fetch response's records) into
/// one span per batch, using only the 12-byte offset+length prefix that every format shares. It
/// does not validate the batches (use <see cref="RecordBatch.Validate"/> on each). A fetch response
/// may end with a partial batch: that ends the enumeration and sets <see cref="HasPartialBatch"/>,
/// it is not an error. A batchLength below the v2 header size sets <see cref="HasInvalidLength"/>.
/// </summary>
public ref struct RecordBatchEnumerator
{
    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;
    private ReadOnlySpan<byte> _current;

    public RecordBatchEnumerator(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
        _current = default;
        HasPartialBatch = false;
        HasInvalidLength = false;
    }

    /// <summary>The current batch, exactly <c>12 + batchLength</c> bytes.</summary>
    public readonly ReadOnlySpan<byte> Current => _current;

    /// <summary>Where the current batch starts; after the end, where the partial or invalid batch starts.</summary>
    public readonly int Position => _position;

    /// <summary>True when the enumeration ended at a trailing batch that is cut short.</summary>
    public bool HasPartialBatch { get; private set; }

    /// <summary>True when the enumeration stopped at a batch whose batchLength cannot be a v2 batch.</summary>
    public bool HasInvalidLength { get; private set; }

    /// <summary>Bytes after <see cref="Position"/>: the partial or invalid batch, when there is one.</summary>
    public readonly int RemainingBytes => _buffer.Length - _position;

    public readonly RecordBatchEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (HasPartialBatch || HasInvalidLength)
        {
            return false;
        }

        // Step past the batch yielded last time only now, so Position stays at its start meanwhile.
        _position += _current.Length;
        _current = default;
        var remaining = _buffer.Length - _position;
        if (remaining == 0)
        {
            return false;
        }

        if (remaining < RecordBatchHeader.LogOverhead)
        {
            HasPartialBatch = true;
            return false;
        }

        var batchLength = BinaryPrimitives.ReadInt32BigEndian(_buffer[(_position + RecordBatchHeader.BatchLengthOffset)..]);
        if (batchLength < RecordBatch.MinimumBatchLength)
        {
            HasInvalidLength = true;
            return false;
        }

        if (batchLength > remaining - RecordBatchHeader.LogOverhead)
        {
            HasPartialBatch = true;
            return false;
        }

        _current = _buffer.Slice(_position, RecordBatchHeader.LogOverhead + batchLength);
        return true;
    }
}
