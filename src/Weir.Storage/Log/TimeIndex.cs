using System.Buffers.Binary;

namespace Weir.Storage.Log;

/// <summary>
/// The <c>.timeindex</c> file (Kafka's <c>TimeIndex</c>): 12-byte entries, timestamp (int64) then
/// relative offset (int32). Every record after the entry's offset has a larger timestamp; timestamps
/// strictly increase.
/// </summary>
internal sealed class TimeIndex : IndexFile<TimeIndex.Entry>
{
    public const int Size = 12;

    public TimeIndex(string path, long baseOffset)
        : base(path, baseOffset, Size)
    {
    }

    internal readonly record struct Entry(long Timestamp, int RelativeOffset);

    /// <summary>The last entry, or (-1, base offset) when empty (Kafka's <c>lastEntry</c>).</summary>
    public TimestampOffset LastEntry
    {
        get
        {
            var count = Count;
            if (count == 0)
            {
                return new TimestampOffset(-1, BaseOffset);
            }

            var e = EntryAt(count - 1);
            return new TimestampOffset(e.Timestamp, BaseOffset + e.RelativeOffset);
        }
    }

    /// <summary>Appends only when <paramref name="timestamp"/> exceeds the last entry (Kafka's <c>maybeAppend</c>).</summary>
    public void MaybeAppend(long timestamp, long offset, bool skipFullCheck = false)
    {
        if (!skipFullCheck && IsFull)
        {
            throw new InvalidOperationException($"Time index {FilePath} is full.");
        }

        var last = LastEntry;
        if (Count > 0 && offset < last.Offset)
        {
            throw new InvalidOperationException($"Time index {FilePath}: offset {offset} is below the last entry {last.Offset}.");
        }

        if (timestamp > last.Timestamp)
        {
            if (IsFull)
            {
                // The final entry on roll may exceed the trimmed size; make room for exactly one more.
                MakeRoomForOne();
            }

            AppendEntry(new Entry(timestamp, checked((int)(offset - BaseOffset))));
        }
    }

    /// <summary>The entry with the greatest timestamp ≤ <paramref name="target"/>, or (-1, base offset).</summary>
    public TimestampOffset Lookup(long target)
    {
        var count = Count;
        var lo = 0;
        var hi = count - 1;
        var found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (EntryAt(mid).Timestamp <= target)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        if (found < 0)
        {
            return new TimestampOffset(-1, BaseOffset);
        }

        var e = EntryAt(found);
        return new TimestampOffset(e.Timestamp, BaseOffset + e.RelativeOffset);
    }

    /// <summary>Removes entries with offset ≥ <paramref name="offset"/>.</summary>
    public void TruncateTo(long offset)
    {
        var keep = Count;
        while (keep > 0 && BaseOffset + EntryAt(keep - 1).RelativeOffset >= offset)
        {
            keep--;
        }

        TruncateEntries(keep);
    }

    /// <summary>Whole entries, timestamps strictly increasing, offsets non-decreasing and non-negative.</summary>
    public bool IsSane()
    {
        if (LoadedFileLength % Size != 0)
        {
            return false;
        }

        var count = Count;
        for (var i = 0; i < count; i++)
        {
            var e = EntryAt(i);
            if (e.RelativeOffset < 0)
            {
                return false;
            }

            if (i > 0)
            {
                var prev = EntryAt(i - 1);
                if (e.Timestamp <= prev.Timestamp || e.RelativeOffset < prev.RelativeOffset)
                {
                    return false;
                }
            }
        }

        return true;
    }

    protected override Entry ReadEntry(ReadOnlySpan<byte> source) =>
        new(BinaryPrimitives.ReadInt64BigEndian(source), BinaryPrimitives.ReadInt32BigEndian(source[8..]));

    protected override void WriteEntry(Span<byte> destination, in Entry entry)
    {
        BinaryPrimitives.WriteInt64BigEndian(destination, entry.Timestamp);
        BinaryPrimitives.WriteInt32BigEndian(destination[8..], entry.RelativeOffset);
    }
}
