using Weir.Protocol;

namespace Weir.Broker.Metadata;

/// <summary>
/// A quorum of one voter: a batch is committed as soon as it is flushed to the local metadata log,
/// so <see cref="Append"/> reports the commit to every listener before it returns. Listeners hear
/// in the order they registered; the broker registers its <see cref="MetadataLoader"/> before the
/// controller, so a request that awaited the controller finds its change in the broker's image.
/// </summary>
public sealed class LocalMetadataQuorum(MetadataLog log, int nodeId, TimeProvider time) : IMetadataQuorum, IQuorumStatus
{
    /// <summary>For tools and tests that never describe the quorum: the voter's id is unknown (-1).</summary>
    public LocalMetadataQuorum(MetadataLog log)
        : this(log, -1, TimeProvider.System)
    {
    }

    private readonly List<IMetadataCommitListener> _listeners = [];
    private readonly Lock _appendLock = new();
    private bool _started;

    /// <summary>The last committed offset, -1 before the first record.</summary>
    public long CommittedOffset { get; private set; } = -1;

    /// <inheritdoc/>
    public void Register(IMetadataCommitListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        if (_started)
        {
            throw new InvalidOperationException("Listeners register before the quorum starts, so every one hears the whole log.");
        }

        _listeners.Add(listener);
    }

    /// <summary>Replays the committed log (all of it, on one voter) to every listener, once.</summary>
    public void Start()
    {
        if (_started)
        {
            throw new InvalidOperationException("The quorum is started already.");
        }

        _started = true;
        var records = new List<CommittedRecord>();
        var last = -1L;
        log.Replay((record, offset) =>
        {
            records.Add(new CommittedRecord(record, offset));
            last = offset;
        });
        CommittedOffset = Math.Max(last, log.EndOffset - 1);
        if (records.Count > 0)
        {
            Deliver(records, CommittedOffset);
        }
    }

    /// <inheritdoc/>
    public long Append(IReadOnlyList<(IKafkaMessage Record, short Type, short Version)> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (!_started)
        {
            throw new InvalidOperationException("The quorum is not started.");
        }

        lock (_appendLock)
        {
            // Flushed on return: with one voter that is the whole quorum, so the batch is committed.
            var last = log.Append(records, leaderEpoch: 0);
            var committed = new CommittedRecord[records.Count];
            var offset = last - records.Count + 1;
            for (var i = 0; i < committed.Length; i++)
            {
                committed[i] = new CommittedRecord(records[i].Record, offset++);
            }

            CommittedOffset = last;
            Deliver(committed, last);
            return last;
        }
    }

    /// <summary>
    /// This node leads the only voter, in epoch 0 (the epoch its batches are written in). Everything flushed is
    /// committed, so the high watermark is the committed offset + 1 and the leader has just fetched and caught up.
    /// </summary>
    public QuorumDescription? Describe()
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        long highWatermark;
        long logEndOffset;
        lock (_appendLock)
        {
            highWatermark = CommittedOffset + 1;
            logEndOffset = log.EndOffset;
        }

        QuorumReplicaDescription[] voters = [new(nodeId, Guid.Empty, logEndOffset, now, now)];
        return new QuorumDescription(nodeId, LeaderEpoch: 0, highWatermark, voters, []);
    }

    private void Deliver(IReadOnlyList<CommittedRecord> records, long lastOffset)
    {
        foreach (var listener in _listeners)
        {
            listener.HandleCommit(records, lastOffset);
        }
    }
}
