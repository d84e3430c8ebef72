namespace Weir.Client.Producer;

/// <summary>A partition's queue of batches; every field is guarded by <see cref="Lock"/>.</summary>
internal sealed class PartitionState(TopicState topic, int partition)
{
    public readonly object Lock = new();
    public readonly TopicState Topic = topic;
    public readonly int Partition = partition;

    /// <summary>Sealed batches waiting for their first send, oldest first.</summary>
    public readonly Queue<ProducerBatch> Queue = new();

    /// <summary>Batches to send again, ordered by sequence (idempotent) or age; they go before <see cref="Queue"/>.</summary>
    public readonly List<ProducerBatch> Retries = [];

    /// <summary>The batch records are appended to now.</summary>
    public ProducerBatch? Current;

    /// <summary>Batches sent and not yet answered, oldest first.</summary>
    public readonly List<ProducerBatch> InFlightBatches = [];

    public int Leader = -1;
    public int NextSequence;

    public int InFlight => InFlightBatches.Count;

    public bool IsEmpty => Current is null && Queue.Count == 0 && Retries.Count == 0;
}
