using System.Buffers.Binary;

namespace Weir.Storage.Log;

/// <summary>
/// The sparse <c>.index</c> file (Kafka's <c>OffsetIndex</c>): 8-byte entries, relative offset (int32)
/// then file position (int32), both increasing.
/// </summary>
internal sealed class OffsetIndex : IndexFile<OffsetIndex.Entry>
{
    public const int Size = 8;

    public OffsetIndex(string path, long baseOffset)
        : base(path, baseOffset, Size)
    {
    }

    internal readonly record struct Entry(int RelativeOffset, int Position);

    public OffsetPosition LastEntry
    {
        get
        {
            var count = Count;
            return count == 0 ? new OffsetPosition(BaseOffset, 0) : ToAbsolute(EntryAt(count - 1));
        }
    }

    public void Append(long offset, int position)
    {
        var count = Count;
        if (count > 0 && offset <= LastEntry.Offset)
        {
            throw new InvalidOperationException($"Offset index {FilePath}: {offset} is not above the last entry {LastEntry.Offset}.");
        }

        AppendEntry(new Entry(checked((int)(offset - BaseOffset)), position));
    }

    /// <summary>The greatest entry with offset ≤ <paramref name="target"/>, or (base offset, 0).</summary>
    public OffsetPosition Lookup(long target)
    {
        var count = Count;
        var lo = 0;
        var hi = count - 1;
        var found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (BaseOffset + EntryAt(mid).RelativeOffset <= target)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found < 0 ? new OffsetPosition(BaseOffset, 0) : ToAbsolute(EntryAt(found));
    }

    /// <summary>The greatest entry with position ≤ <paramref name="position"/>, or (base offset, 0).</summary>
    public OffsetPosition LookupByPosition(int position)
    {
        var count = Count;
        var lo = 0;
        var hi = count - 1;
        var found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (EntryAt(mid).Position <= position)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found < 0 ? new OffsetPosition(BaseOffset, 0) : ToAbsolute(EntryAt(found));
    }

    /// <summary>Removes entries with offset ≥ <paramref name="offset"/>.</summary>
    public void TruncateTo(long offset)
    {
        var count = Count;
        var keep = count;
        while (keep > 0 && BaseOffset + EntryAt(keep - 1).RelativeOffset >= offset)
        {
            keep--;
        }

        TruncateEntries(keep);
    }

    /// <summary>
    /// Kafka's sanity check (whole entries, last offset ≥ base) plus what a managed copy makes cheap:
    /// offsets and positions strictly increasing and inside the log. Zero-filled preallocated tails fail it.
    /// </summary>
    public bool IsSane(int logSize)
    {
        if (LoadedFileLength % Size != 0)
        {
            return false;
        }

        var count = Count;
        for (var i = 0; i < count; i++)
        {
            var e = EntryAt(i);
            if (e.RelativeOffset < 0 || e.Position < 0 || e.Position >= Math.Max(logSize, 1))
            {
                return false;
            }

            if (i > 0)
            {
                var prev = EntryAt(i - 1);
                if (e.RelativeOffset <= prev.RelativeOffset || e.Position <= prev.Position)
                {
                    return false;
                }
            }
        }

        return true;
    }

    protected override Entry ReadEntry(ReadOnlySpan<byte> source) =>
        new(BinaryPrimitives.ReadInt32BigEndian(source), BinaryPrimitives.ReadInt32BigEndian(source[4..]));

    protected override void WriteEntry(Span<byte> destination, in Entry entry)
    {
        BinaryPrimitives.WriteInt32BigEndian(destination, entry.RelativeOffset);
        BinaryPrimitives.WriteInt32BigEndian(destination[4..], entry.Position);
    }

    private OffsetPosition ToAbsolute(Entry e) => new(BaseOffset + e.RelativeOffset, e.Position);
}
