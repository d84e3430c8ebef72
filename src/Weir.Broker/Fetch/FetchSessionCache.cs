using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Fetch;

/// <summary>
/// KIP-227 incremental fetch sessions, with Kafka's FetchManager semantics: session id 0 with
/// epoch 0 opens a session; epoch -1 fetches without one; an existing id with the expected epoch
/// is an incremental fetch; an existing id with epoch 0 or -1 closes that session first.
/// Holds at most max.incremental.fetch.session.cache.slots sessions and evicts the least
/// recently used one to make room (simpler than Kafka's privileged/size-based eviction).
/// </summary>
/// <remarks>Lock order: the cache, then a session; never the cache while holding a session.</remarks>
public sealed class FetchSessionCache(int maxSlots)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, FetchSession> _sessions = [];
    private readonly LinkedList<FetchSession> _byUse = new();
    private long _created;
    private long _evictions;

    /// <summary>Sessions currently cached.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>Sessions opened since startup.</summary>
    public long Created => Interlocked.Read(ref _created);

    /// <summary>Sessions evicted to make room for new ones since startup.</summary>
    public long Evictions => Interlocked.Read(ref _evictions);

    /// <summary>Decides how <paramref name="request"/> (of <paramref name="version"/>) relates to a session, updating the session for an incremental fetch.</summary>
    public FetchContext NewContext(short version, FetchRequest request)
    {
        var usesTopicIds = version >= 13;
        if (version < 7 || request.SessionEpoch is FetchMetadata.InitialEpoch or FetchMetadata.FinalEpoch)
        {
            if (request.SessionId != FetchMetadata.InvalidSessionId)
            {
                Remove(request.SessionId);
            }

            return version >= 7 && request.SessionEpoch == FetchMetadata.InitialEpoch
                ? FetchContext.Full(this, PartitionsOf(request, usesTopicIds), usesTopicIds)
                : FetchContext.Sessionless(TargetsOf(request, usesTopicIds));
        }

        lock (_lock)
        {
            if (!_sessions.TryGetValue(request.SessionId, out var session))
            {
                return FetchContext.Error(ErrorCode.FetchSessionIdNotFound);
            }

            lock (session)
            {
                if (session.Epoch != request.SessionEpoch)
                {
                    return FetchContext.Error(ErrorCode.InvalidFetchSessionEpoch);
                }

                if (session.UsesTopicIds != usesTopicIds)
                {
                    return FetchContext.Error(ErrorCode.FetchSessionTopicIdError);
                }

                Update(session, request);
                if (session.Count == 0)
                {
                    // Everything was forgotten: the session ends and this fetch has nothing to read.
                    RemoveLocked(session);
                    return FetchContext.Sessionless([]);
                }

                Touch(session);
                session.Epoch = FetchMetadata.NextEpoch(session.Epoch);
                return FetchContext.Incremental(session, session.Targets(), session.Epoch);
            }
        }
    }

    /// <summary>Opens a session holding <paramref name="partitions"/>; returns its id, or 0 when sessions are disabled (no slots).</summary>
    internal int TryCreateSession(List<CachedPartition> partitions, bool usesTopicIds)
    {
        lock (_lock)
        {
            if (maxSlots <= 0)
            {
                return FetchMetadata.InvalidSessionId;
            }

            while (_sessions.Count >= maxSlots && _byUse.First is { } oldest)
            {
                RemoveLocked(oldest.Value);
                Interlocked.Increment(ref _evictions);
            }

            int id;
            do
            {
                id = Random.Shared.Next(1, int.MaxValue);
            }
            while (_sessions.ContainsKey(id));

            var session = new FetchSession(id, usesTopicIds);
            foreach (var partition in partitions)
            {
                session.AddOrGet(partition);
            }

            _sessions[id] = session;
            session.UseNode = _byUse.AddLast(session);
            Interlocked.Increment(ref _created);
            return id;
        }
    }

    private void Remove(int sessionId)
    {
        lock (_lock)
        {
            if (_sessions.TryGetValue(sessionId, out var session))
            {
                RemoveLocked(session);
            }
        }
    }

    private void RemoveLocked(FetchSession session)
    {
        _sessions.Remove(session.Id);
        if (session.UseNode is { } node)
        {
            _byUse.Remove(node);
            session.UseNode = null;
        }
    }

    private void Touch(FetchSession session)
    {
        if (session.UseNode is { } node && node != _byUse.Last)
        {
            _byUse.Remove(node);
            _byUse.AddLast(node);
        }
    }

    /// <summary>Adds or updates the partitions the request names, then drops the forgotten ones.</summary>
    private static void Update(FetchSession session, FetchRequest request)
    {
        foreach (var topic in request.Topics)
        {
            foreach (var wanted in topic.Partitions)
            {
                var partition = CachedPartition.From(topic, wanted, session.UsesTopicIds);
                var held = session.AddOrGet(partition);
                if (!ReferenceEquals(held, partition))
                {
                    held.UpdateRequest(wanted);
                }
            }
        }

        foreach (var forgotten in request.ForgottenTopicsData)
        {
            foreach (var index in forgotten.Partitions)
            {
                session.Remove(FetchPartitionKey.Of(forgotten.TopicId, forgotten.Topic, index, session.UsesTopicIds));
            }
        }
    }

    /// <summary>The request's partitions for a new session; a partition named twice keeps its first place and last parameters.</summary>
    private static List<CachedPartition> PartitionsOf(FetchRequest request, bool usesTopicIds)
    {
        var partitions = new List<CachedPartition>();
        var seen = new Dictionary<FetchPartitionKey, CachedPartition>();
        foreach (var topic in request.Topics)
        {
            foreach (var wanted in topic.Partitions)
            {
                var partition = CachedPartition.From(topic, wanted, usesTopicIds);
                if (seen.TryGetValue(partition.Key, out var earlier))
                {
                    earlier.UpdateRequest(wanted);
                    continue;
                }

                seen[partition.Key] = partition;
                partitions.Add(partition);
            }
        }

        return partitions;
    }

    private static List<FetchTarget> TargetsOf(FetchRequest request, bool usesTopicIds)
    {
        var targets = new List<FetchTarget>();
        foreach (var topic in request.Topics)
        {
            var name = usesTopicIds ? string.Empty : topic.Topic;
            var topicId = usesTopicIds ? topic.TopicId : Guid.Empty;
            foreach (var wanted in topic.Partitions)
            {
                var key = FetchPartitionKey.Of(topicId, name, wanted.Partition, usesTopicIds);
                targets.Add(new FetchTarget(key, topicId, name, wanted.Partition, wanted.FetchOffset, wanted.PartitionMaxBytes, wanted.CurrentLeaderEpoch, wanted.LastFetchedEpoch, wanted.LogStartOffset));
            }
        }

        return targets;
    }
}
