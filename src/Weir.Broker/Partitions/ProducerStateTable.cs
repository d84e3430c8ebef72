using Weir.Protocol;

namespace Weir.Broker.Partitions;

/// <summary>
/// Per-partition idempotent producer state (Kafka's ProducerStateManager, simplified): the epoch
/// and the last five batches' sequences and offsets of every producer id, so a retried batch is
/// acknowledged with its original offsets instead of being written twice, and a gap is refused.
/// </summary>
public sealed class ProducerStateTable
{
    private const int RetainedBatches = 5;

    private readonly Dictionary<long, Entry> _producers = [];

    public enum Verdict
    {
        Append,
        Duplicate,
    }

    /// <summary>Checks one batch of producer <paramref name="producerId"/> before it is appended.</summary>
    public (ErrorCode Error, Verdict Verdict, long DuplicateBaseOffset) Check(long producerId, short epoch, int baseSequence, int lastSequence)
    {
        if (!_producers.TryGetValue(producerId, out var entry))
        {
            // A new producer (or one whose state expired) must start at sequence 0, as Kafka requires.
            return baseSequence == 0 || epoch > 0 ? (ErrorCode.None, Verdict.Append, -1) : (ErrorCode.OutOfOrderSequenceNumber, Verdict.Append, -1);
        }

        if (epoch < entry.Epoch)
        {
            return (ErrorCode.InvalidProducerEpoch, Verdict.Append, -1);
        }

        if (epoch > entry.Epoch)
        {
            return baseSequence == 0 ? (ErrorCode.None, Verdict.Append, -1) : (ErrorCode.OutOfOrderSequenceNumber, Verdict.Append, -1);
        }

        foreach (var batch in entry.Batches)
        {
            if (batch.FirstSequence == baseSequence && batch.LastSequence == lastSequence)
            {
                return (ErrorCode.None, Verdict.Duplicate, batch.BaseOffset);
            }
        }

        var expected = entry.LastSequence == int.MaxValue ? 0 : entry.LastSequence + 1;
        return baseSequence == expected ? (ErrorCode.None, Verdict.Append, -1) : (ErrorCode.OutOfOrderSequenceNumber, Verdict.Append, -1);
    }

    public void Record(long producerId, short epoch, int baseSequence, int lastSequence, long baseOffset, long maxTimestamp)
    {
        if (!_producers.TryGetValue(producerId, out var entry) || entry.Epoch != epoch)
        {
            entry = new Entry(epoch);
            _producers[producerId] = entry;
        }

        entry.Batches.Enqueue(new BatchSequence(baseSequence, lastSequence, baseOffset));
        while (entry.Batches.Count > RetainedBatches)
        {
            entry.Batches.Dequeue();
        }

        entry.LastSequence = lastSequence;
        entry.LastTimestamp = maxTimestamp;
    }

    /// <summary>The producers this partition knows, for DescribeProducers. Callers hold the partition's append lock.</summary>
    public List<ProducerSnapshot> Snapshot()
    {
        var result = new List<ProducerSnapshot>(_producers.Count);
        foreach (var (id, entry) in _producers)
        {
            result.Add(new ProducerSnapshot(id, entry.Epoch, entry.LastSequence, entry.LastTimestamp));
        }

        return result;
    }

    private sealed class Entry(short epoch)
    {
        public short Epoch { get; } = epoch;

        public int LastSequence { get; set; } = -1;

        public long LastTimestamp { get; set; } = -1;

        public Queue<BatchSequence> Batches { get; } = new();
    }

    private readonly record struct BatchSequence(int FirstSequence, int LastSequence, long BaseOffset);
}
