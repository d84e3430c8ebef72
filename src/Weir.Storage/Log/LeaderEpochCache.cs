using Weir.Storage.Checkpoints;

namespace Weir.Storage.Log;

/// <summary>
/// Leader epoch → start offset, persisted to <c>leader-epoch-checkpoint</c> on every change
/// (Kafka's <c>LeaderEpochFileCache</c>). Used by OffsetForLeaderEpoch and follower truncation.
/// </summary>
public sealed class LeaderEpochCache
{
    /// <summary>Kafka's UNDEFINED_EPOCH / UNDEFINED_EPOCH_OFFSET.</summary>
    public const int UndefinedEpoch = -1;
    public const long UndefinedEpochOffset = -1;

    private readonly Lock _lock = new();
    private readonly List<EpochEntry> _epochs;
    private readonly string? _path;

    /// <param name="path">Checkpoint file, or null to keep the cache in memory only.</param>
    public LeaderEpochCache(string? path)
    {
        _path = path;
        _epochs = path is null ? [] : LeaderEpochCheckpointFile.Read(path);
    }

    public IReadOnlyList<EpochEntry> Entries
    {
        get
        {
            lock (_lock)
            {
                return [.. _epochs];
            }
        }
    }

    /// <summary>The latest epoch, or null when the cache is empty.</summary>
    public int? LatestEpoch
    {
        get
        {
            lock (_lock)
            {
                return _epochs.Count == 0 ? null : _epochs[^1].Epoch;
            }
        }
    }

    /// <summary>
    /// Records that <paramref name="epoch"/> starts at <paramref name="startOffset"/>. Entries it
    /// contradicts (same or later epoch, same or later offset) are dropped, as Kafka does.
    /// </summary>
    public void Assign(int epoch, long startOffset)
    {
        if (epoch < 0 || startOffset < 0)
        {
            return;
        }

        lock (_lock)
        {
            if (_epochs.Count > 0 && _epochs[^1].Epoch == epoch && _epochs[^1].StartOffset <= startOffset)
            {
                return;
            }

            _epochs.RemoveAll(e => e.Epoch >= epoch || e.StartOffset >= startOffset);
            _epochs.Add(new EpochEntry(epoch, startOffset));
            FlushLocked();
        }
    }

    /// <summary>
    /// Kafka's <c>endOffsetFor</c>: (epoch, end offset) where the end offset is the start of the next
    /// higher epoch, or the log end offset for the latest epoch; (-1, -1) when unknown.
    /// </summary>
    public EpochEntry EndOffsetFor(int requestedEpoch, long logEndOffset)
    {
        lock (_lock)
        {
            if (requestedEpoch == UndefinedEpoch)
            {
                return new EpochEntry(UndefinedEpoch, UndefinedEpochOffset);
            }

            if (_epochs.Count > 0 && _epochs[^1].Epoch == requestedEpoch)
            {
                return new EpochEntry(requestedEpoch, logEndOffset);
            }

            var higher = -1;
            for (var i = 0; i < _epochs.Count; i++)
            {
                if (_epochs[i].Epoch > requestedEpoch)
                {
                    higher = i;
                    break;
                }
            }

            if (higher < 0)
            {
                return new EpochEntry(UndefinedEpoch, UndefinedEpochOffset);
            }

            // higher - 1 is the floor entry (largest epoch ≤ requested) when it exists.
            return higher == 0
                ? new EpochEntry(requestedEpoch, _epochs[0].StartOffset)
                : new EpochEntry(_epochs[higher - 1].Epoch, _epochs[higher].StartOffset);
        }
    }

    /// <summary>Drops entries starting at or after <paramref name="endOffset"/> (log truncated to it).</summary>
    public void TruncateFromEnd(long endOffset)
    {
        lock (_lock)
        {
            if (_epochs.RemoveAll(e => e.StartOffset >= endOffset) > 0)
            {
                FlushLocked();
            }
        }
    }

    /// <summary>
    /// The log now starts at <paramref name="startOffset"/>: entries wholly before it go, and the last
    /// of them is kept, moved up to the new start (Kafka's <c>truncateFromStart</c>).
    /// </summary>
    public void TruncateFromStart(long startOffset)
    {
        lock (_lock)
        {
            var lastBefore = -1;
            for (var i = 0; i < _epochs.Count && _epochs[i].StartOffset <= startOffset; i++)
            {
                lastBefore = i;
            }

            if (lastBefore < 0 || (lastBefore == 0 && _epochs[0].StartOffset == startOffset))
            {
                return;
            }

            var kept = new EpochEntry(_epochs[lastBefore].Epoch, startOffset);
            _epochs.RemoveRange(0, lastBefore + 1);
            _epochs.Insert(0, kept);
            FlushLocked();
        }
    }

    /// <summary>Forgets everything (log truncated fully).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _epochs.Clear();
            FlushLocked();
        }
    }

    private void FlushLocked()
    {
        if (_path is not null)
        {
            LeaderEpochCheckpointFile.Write(_path, _epochs);
        }
    }
}
