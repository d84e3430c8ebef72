namespace Weir.Storage.Log;

public sealed partial class PartitionLog
{
    /// <summary>
    /// Kafka's <c>deleteBeforeSnapshot</c> for a log bounded by snapshots (the metadata log): moves the log
    /// start offset up to <paramref name="snapshotEndOffset"/>, never past the high watermark, and deletes
    /// the whole segments below it. Internal logs allow it (unlike DeleteRecords): the snapshot holds what
    /// the deleted records built. Returns true if the log start offset moved.
    /// </summary>
    public bool DeleteBeforeSnapshot(long snapshotEndOffset)
    {
        lock (_lock)
        {
            ThrowIfClosed();
            var newStart = Math.Min(snapshotEndOffset, _highWatermark.Offset);
            if (newStart <= _logStartOffset)
            {
                return false;
            }

            Volatile.Write(ref _logStartOffset, newStart);
            LeaderEpochCache.TruncateFromStart(newStart);
            DeleteOldSegmentsLocked((_, next) => next is not null && next.BaseOffset <= newStart, NowMs);
            return true;
        }
    }

    /// <summary>The epoch of the batch holding <paramref name="offset"/>, from the leader epoch cache; -1 if unknown.</summary>
    public int EpochForOffset(long offset)
    {
        var epoch = LeaderEpochCache.UndefinedEpoch;
        foreach (var entry in LeaderEpochCache.Entries)
        {
            if (entry.StartOffset > offset)
            {
                break;
            }

            epoch = entry.Epoch;
        }

        return epoch;
    }
}
