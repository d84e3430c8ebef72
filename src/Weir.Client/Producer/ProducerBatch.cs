using Weir.Protocol.Compression;
using Weir.Protocol.Records;

namespace Weir.Client.Producer;

/// <summary>
/// One partition's batch: records appended into a pooled <see cref="RecordBatchBuilder"/>, the
/// per-record completions, and, once sent, its wire bytes (kept for retries). Reused via a pool.
/// </summary>
internal sealed class ProducerBatch : IDisposable
{
    public readonly RecordBatchBuilder Builder = new();
    public readonly PooledBufferWriter Built = new(16 * 1024);
    public Entry[] Entries = new Entry[64];

    public PartitionState Partition = null!;

    /// <summary>Creation order, so retried batches go back in front of younger ones.</summary>
    public long Id;
    public int Count;
    public long Bytes;
    public long CreatedMs;
    public long RetryAtMs;
    public int Attempts;
    public int Sequence = -1;
    public bool IsBuilt;

    public void Add(object? completion, long state, long timestamp)
    {
        if (Count == Entries.Length)
        {
            Array.Resize(ref Entries, Count * 2);
        }

        Entries[Count++] = new Entry(completion, state, timestamp);
    }

    public void Reset()
    {
        Builder.Reset();
        Built.Clear();
        Array.Clear(Entries, 0, Count);
        Partition = null!;
        Count = 0;
        Bytes = 0;
        Attempts = 0;
        Sequence = -1;
        IsBuilt = false;
        RetryAtMs = 0;
    }

    /// <summary>What to tell when the record is done: a TaskCompletionSource, an Action callback or an IDeliveryHandler with its state.</summary>
    public readonly record struct Entry(object? Completion, long State, long Timestamp);

    public void Dispose()
    {
        Builder.Dispose();
        Built.Dispose();
    }
}
