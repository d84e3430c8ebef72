using Weir.Protocol.Messages;

namespace Weir.Client.Consumer;

/// <summary>
/// read_committed filtering of one fetch: the aborted transactions the broker listed, opened as
/// the consumer reaches their first offset and closed by their ABORT marker, as Kafka's Fetcher does.
/// </summary>
internal sealed class AbortedTransactions
{
    private readonly List<FetchResponse.AbortedTransaction> _pending;
    private readonly HashSet<long> _open = [];
    private int _next;

    public AbortedTransactions(List<FetchResponse.AbortedTransaction> aborted)
    {
        _pending = new List<FetchResponse.AbortedTransaction>(aborted);
        _pending.Sort(static (a, b) => a.FirstOffset.CompareTo(b.FirstOffset));
    }

    /// <summary>Opens every aborted transaction that starts at or before <paramref name="lastOffset"/>.</summary>
    public void Advance(long lastOffset)
    {
        while (_next < _pending.Count && _pending[_next].FirstOffset <= lastOffset)
        {
            _open.Add(_pending[_next++].ProducerId);
        }
    }

    public bool IsOpen(long producerId) => _open.Contains(producerId);

    public void Close(long producerId) => _open.Remove(producerId);
}
