using Weir.Broker.Metadata;
using Weir.Protocol;
using Weir.Storage;

namespace Weir.Broker.Tests.Controller;

/// <summary>
/// A metadata quorum whose commits the test makes, as Raft would: appends get offsets at once, and
/// listeners hear of them only at <see cref="CommitUpTo"/>. Can also deliver records another leader wrote.
/// </summary>
internal sealed class ScriptedQuorum : IMetadataQuorum
{
    private readonly List<IMetadataCommitListener> _listeners = [];
    private readonly List<CommittedRecord> _uncommitted = [];
    private readonly Lock _lock = new();
    private long _endOffset;

    /// <summary>When set, every append is committed as it is made (a one-voter quorum).</summary>
    public bool CommitOnAppend { get; set; }

    /// <summary>When set, the next append throws it and writes nothing.</summary>
    public KafkaStorageException? FailNextAppend { get; set; }

    public int Appends { get; private set; }

    public List<IKafkaMessage> Appended { get; } = [];

    public void Register(IMetadataCommitListener listener) => _listeners.Add(listener);

    public long Append(IReadOnlyList<(IKafkaMessage Record, short Type, short Version)> records)
    {
        lock (_lock)
        {
            if (FailNextAppend is { } failure)
            {
                FailNextAppend = null;
                throw failure;
            }

            Appends++;
            foreach (var (record, _, _) in records)
            {
                Appended.Add(record);
                _uncommitted.Add(new CommittedRecord(record, _endOffset++));
            }

            var last = _endOffset - 1;
            if (CommitOnAppend)
            {
                CommitUpTo(last);
            }

            return last;
        }
    }

    /// <summary>Commits every appended record up to <paramref name="offset"/>.</summary>
    public void CommitUpTo(long offset)
    {
        lock (_lock)
        {
            var batch = _uncommitted.FindAll(r => r.Offset <= offset);
            _uncommitted.RemoveAll(r => r.Offset <= offset);
            Deliver(batch, offset);
        }
    }

    /// <summary>Records that another controller wrote, committed now.</summary>
    public void CommitForeign(params IKafkaMessage[] records)
    {
        lock (_lock)
        {
            var batch = new List<CommittedRecord>();
            foreach (var record in records)
            {
                batch.Add(new CommittedRecord(record, _endOffset++));
            }

            Deliver(batch, _endOffset - 1);
        }
    }

    private void Deliver(List<CommittedRecord> batch, long lastOffset)
    {
        foreach (var listener in _listeners)
        {
            listener.HandleCommit(batch, lastOffset);
        }
    }
}
