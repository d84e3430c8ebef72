namespace Weir.Broker.Fetch;

/// <summary>
/// One incremental fetch session: its id, the epoch the next request must carry, and its
/// partitions in the order they are read (partitions that returned records move to the back, so
/// a response size limit does not starve the later ones). Guarded by locking the instance.
/// </summary>
internal sealed class FetchSession(int id, bool usesTopicIds)
{
    private readonly LinkedList<CachedPartition> _order = new();
    private readonly Dictionary<FetchPartitionKey, LinkedListNode<CachedPartition>> _index = [];

    public int Id { get; } = id;

    /// <summary>Made with Fetch v13+: partitions are keyed by topic id, and every request must use ids too.</summary>
    public bool UsesTopicIds { get; } = usesTopicIds;

    /// <summary>The epoch the next incremental request must carry.</summary>
    public int Epoch { get; set; } = FetchMetadata.NextEpoch(FetchMetadata.InitialEpoch);

    /// <summary>This session's place in the cache's least-recently-used order.</summary>
    public LinkedListNode<FetchSession>? UseNode { get; set; }

    public int Count => _index.Count;

    public CachedPartition? Find(FetchPartitionKey key) => _index.TryGetValue(key, out var node) ? node.Value : null;

    /// <summary>Adds a partition at the back, or returns the one already held under its key.</summary>
    public CachedPartition AddOrGet(CachedPartition partition)
    {
        if (_index.TryGetValue(partition.Key, out var node))
        {
            return node.Value;
        }

        _index[partition.Key] = _order.AddLast(partition);
        return partition;
    }

    public void Remove(FetchPartitionKey key)
    {
        if (_index.Remove(key, out var node))
        {
            _order.Remove(node);
        }
    }

    public void MoveToBack(FetchPartitionKey key)
    {
        if (_index.TryGetValue(key, out var node) && node != _order.Last)
        {
            _order.Remove(node);
            _order.AddLast(node);
        }
    }

    /// <summary>What to read for this request, in session order.</summary>
    public List<FetchTarget> Targets()
    {
        var targets = new List<FetchTarget>(_index.Count);
        foreach (var partition in _order)
        {
            targets.Add(partition.ToTarget());
        }

        return targets;
    }
}
