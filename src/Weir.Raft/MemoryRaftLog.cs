using Weir.Protocol.Records;

namespace Weir.Raft;

/// <summary>
/// An <see cref="IRaftLog"/> in memory for simulations: a list of batches plus a flushed mark.
/// <see cref="Crash"/> drops what was not flushed, which is what a power cut does to a page cache.
/// </summary>
public sealed class MemoryRaftLog : IRaftLog
{
    private readonly List<LogBatch> _batches = [];
    private long _flushedEndOffset;

    /// <summary>One stored batch; <see cref="Crc"/> identifies its content (the CRC covers records and attributes).</summary>
    public readonly record struct LogBatch(long BaseOffset, long LastOffset, int Epoch, uint Crc, byte[] Bytes);

    /// <summary>Called with the offset whenever the log is truncated (by the node or by a crash).</summary>
    public Action<long>? Truncated { get; set; }

    public IReadOnlyList<LogBatch> Batches => _batches;

    public long StartOffset => 0;

    public long EndOffset => _batches.Count == 0 ? 0 : _batches[^1].LastOffset + 1;

    public long FlushedEndOffset => Math.Min(_flushedEndOffset, EndOffset);

    public int LastFetchedEpoch => _batches.Count == 0 ? 0 : _batches[^1].Epoch;

    public void AppendAsLeader(ReadOnlyMemory<byte> batch, int epoch)
    {
        var bytes = batch.ToArray();
        RecordBatchHeader.SetBaseOffset(bytes, EndOffset);
        RecordBatchHeader.SetPartitionLeaderEpoch(bytes, epoch);
        Add(bytes);
    }

    public long AppendAsFollower(ReadOnlyMemory<byte> batches)
    {
        var span = batches.Span;
        var expected = EndOffset;
        var position = 0;
        var lastEpoch = LastFetchedEpoch;
        // Validate the whole response before taking any of it, so a bad one leaves the log as it was.
        while (position < span.Length)
        {
            if (span.Length - position < RecordBatchHeader.Size)
            {
                break; // a partial trailing batch, as a size-capped fetch may return
            }
            var header = new RecordBatchHeader(span[position..]);
            if (header.TotalSize > span.Length - position)
            {
                break;
            }
            if (header.BaseOffset != expected || header.PartitionLeaderEpoch < lastEpoch
                || RecordBatch.Validate(span.Slice(position, header.TotalSize)) != RecordBatchError.None)
            {
                return -1;
            }
            expected = header.LastOffset + 1;
            lastEpoch = header.PartitionLeaderEpoch;
            position += header.TotalSize;
        }
        for (var at = 0; at < position;)
        {
            var size = new RecordBatchHeader(span[at..]).TotalSize;
            Add(span.Slice(at, size).ToArray());
            at += size;
        }
        return EndOffset;
    }

    private void Add(byte[] bytes)
    {
        var header = new RecordBatchHeader(bytes);
        _batches.Add(new LogBatch(header.BaseOffset, header.LastOffset, header.PartitionLeaderEpoch, header.Crc, bytes));
    }

    public void TruncateTo(long offset)
    {
        var keep = _batches.Count;
        while (keep > 0 && _batches[keep - 1].LastOffset >= offset)
        {
            keep--;
        }
        if (keep == _batches.Count)
        {
            return;
        }
        _batches.RemoveRange(keep, _batches.Count - keep);
        _flushedEndOffset = Math.Min(_flushedEndOffset, EndOffset);
        Truncated?.Invoke(EndOffset);
    }

    public OffsetAndEpoch EndOffsetForEpoch(int epoch)
    {
        // Walk back to the last batch of an epoch <= the one asked for; its epoch ends where the next batch starts.
        for (var i = _batches.Count - 1; i >= 0; i--)
        {
            if (_batches[i].Epoch <= epoch)
            {
                var end = i + 1 < _batches.Count ? _batches[i + 1].BaseOffset : EndOffset;
                return new OffsetAndEpoch(end, _batches[i].Epoch);
            }
        }
        return new OffsetAndEpoch(StartOffset, 0);
    }

    public ReadOnlyMemory<byte> Read(long offset, int maxBytes)
    {
        var first = FindBatch(offset);
        if (first < 0)
        {
            return ReadOnlyMemory<byte>.Empty;
        }
        var size = 0;
        var last = first;
        for (; last < _batches.Count; last++)
        {
            if (last > first && size + _batches[last].Bytes.Length > maxBytes)
            {
                break;
            }
            size += _batches[last].Bytes.Length;
        }
        var result = new byte[size];
        var at = 0;
        for (var i = first; i < last; i++)
        {
            _batches[i].Bytes.CopyTo(result, at);
            at += _batches[i].Bytes.Length;
        }
        return result;
    }

    private int FindBatch(long offset)
    {
        int low = 0, high = _batches.Count - 1;
        while (low <= high)
        {
            var mid = (low + high) >>> 1;
            if (_batches[mid].LastOffset < offset)
            {
                low = mid + 1;
            }
            else if (_batches[mid].BaseOffset > offset)
            {
                high = mid - 1;
            }
            else
            {
                return mid;
            }
        }
        return -1;
    }

    public void Flush() => _flushedEndOffset = EndOffset;

    /// <summary>Loses every batch past the flushed mark, as a crash loses the page cache.</summary>
    public void Crash() => TruncateTo(_flushedEndOffset);

    /// <summary>The batch holding <paramref name="offset"/>, for invariant checks.</summary>
    public bool TryGetBatch(long offset, out LogBatch batch)
    {
        var index = FindBatch(offset);
        batch = index >= 0 ? _batches[index] : default;
        return index >= 0;
    }
}
