using Weir.Protocol.Records;
using Weir.Storage;
using Weir.Storage.Log;

namespace Weir.Broker.Partitions;

/// <summary>One partition this broker hosts: its log and its place in the metadata (epoch, replicas).</summary>
public sealed class Partition(TopicPartition topicPartition, Guid topicId, PartitionLog log)
{
    public TopicPartition TopicPartition { get; } = topicPartition;

    public Guid TopicId { get; } = topicId;

    public PartitionLog Log { get; } = log;

    public int LeaderEpoch { get; set; }

    public int Leader { get; set; }

    public int[] Replicas { get; set; } = [];

    public int[] Isr { get; set; } = [];

    /// <summary>Idempotent producer state: sequence checks and duplicate detection.</summary>
    public ProducerStateTable Producers { get; } = new();

    /// <summary>A consistent copy of <see cref="Producers"/>, taken between appends.</summary>
    public List<ProducerSnapshot> SnapshotProducers()
    {
        lock (AppendLock)
        {
            return Producers.Snapshot();
        }
    }

    /// <summary>Serializes appends so sequence checks and offset assignment agree.</summary>
    public Lock AppendLock { get; } = new();

    /// <summary>
    /// Rebuilds idempotent producer state from the batch headers in the log, so retries that
    /// reach a restarted broker are still recognised as duplicates. Reads every batch header once;
    /// producer snapshots (Kafka's .snapshot files) would bound this and are still to do.
    /// </summary>
    public void RebuildProducerState() => Log.ForEachBatchHeader(Log.LogStartOffset, batch =>
    {
        var header = new RecordBatchHeader(batch);
        if (header.ProducerId >= 0 && header.BaseSequence >= 0 && !header.IsControl)
        {
            Producers.Record(header.ProducerId, header.ProducerEpoch, header.BaseSequence, header.BaseSequence + header.LastOffsetDelta, header.BaseOffset, header.MaxTimestamp);
        }
    });
}
