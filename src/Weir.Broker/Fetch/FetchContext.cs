using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Fetch;

/// <summary>
/// What one Fetch request reads and how its answer is shaped, decided by
/// <see cref="FetchSessionCache.NewContext"/>: read <see cref="Targets"/> (possibly several times
/// while long-polling), then call <see cref="Complete"/> once with one result per target.
/// </summary>
public sealed class FetchContext
{
    private readonly FetchSessionCache? _cache;
    private readonly FetchSession? _session;
    private readonly List<CachedPartition>? _partitions;
    private readonly List<FetchTarget> _targets;
    private readonly int _expectedEpoch;
    private readonly bool _usesTopicIds;

    private FetchContext(FetchContextKind kind, ErrorCode error, List<FetchTarget> targets, FetchSessionCache? cache = null, FetchSession? session = null, List<CachedPartition>? partitions = null, int expectedEpoch = 0, bool usesTopicIds = false)
    {
        Kind = kind;
        ErrorCode = error;
        _targets = targets;
        _cache = cache;
        _session = session;
        _partitions = partitions;
        _expectedEpoch = expectedEpoch;
        _usesTopicIds = usesTopicIds;
    }

    public FetchContextKind Kind { get; }

    /// <summary>A top-level session error (FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH, FETCH_SESSION_TOPIC_ID_ERROR), or none.</summary>
    public ErrorCode ErrorCode { get; }

    /// <summary>The partitions to read, in response order.</summary>
    public IReadOnlyList<FetchTarget> Targets => _targets;

    internal static FetchContext Error(ErrorCode error) => new(FetchContextKind.SessionError, error, []);

    internal static FetchContext Sessionless(List<FetchTarget> targets) => new(FetchContextKind.Sessionless, ErrorCode.None, targets);

    internal static FetchContext Full(FetchSessionCache cache, List<CachedPartition> partitions, bool usesTopicIds)
    {
        var targets = new List<FetchTarget>(partitions.Count);
        foreach (var partition in partitions)
        {
            targets.Add(partition.ToTarget());
        }

        return new(FetchContextKind.Full, ErrorCode.None, targets, cache, partitions: partitions, usesTopicIds: usesTopicIds);
    }

    internal static FetchContext Incremental(FetchSession session, List<FetchTarget> targets, int expectedEpoch) =>
        new(FetchContextKind.Incremental, ErrorCode.None, targets, session: session, expectedEpoch: expectedEpoch);

    /// <summary>
    /// Builds the response from <paramref name="results"/> (one per target, same order): a full
    /// fetch opens its session here, with what it answered; an incremental fetch keeps only the
    /// partitions with something new.
    /// </summary>
    public FetchResponse Complete(IReadOnlyList<FetchResponse.PartitionData> results)
    {
        if (results.Count != _targets.Count)
        {
            throw new ArgumentException($"Expected {_targets.Count} results, got {results.Count}.", nameof(results));
        }

        switch (Kind)
        {
            case FetchContextKind.SessionError:
                return new FetchResponse { ErrorCode = (short)ErrorCode, SessionId = FetchMetadata.InvalidSessionId };
            case FetchContextKind.Sessionless:
                return All(results, FetchMetadata.InvalidSessionId);
            case FetchContextKind.Full:
                for (var i = 0; i < results.Count; i++)
                {
                    _partitions![i].Remember(results[i]);
                }

                return All(results, _cache!.TryCreateSession(_partitions!, _usesTopicIds));
            default:
                return Changed(results);
        }
    }

    private FetchResponse All(IReadOnlyList<FetchResponse.PartitionData> results, int sessionId)
    {
        var response = new FetchResponse { SessionId = sessionId };
        for (var i = 0; i < results.Count; i++)
        {
            Add(response, _targets[i], results[i]);
        }

        return response;
    }

    private FetchResponse Changed(IReadOnlyList<FetchResponse.PartitionData> results)
    {
        var session = _session!;
        lock (session)
        {
            // Another request advanced the session while this one was reading (a duplicate or
            // out-of-order request): what this one would send no longer matches the cache.
            if (session.Epoch != _expectedEpoch)
            {
                return new FetchResponse { ErrorCode = (short)ErrorCode.InvalidFetchSessionEpoch, SessionId = session.Id };
            }

            var response = new FetchResponse { SessionId = session.Id };
            for (var i = 0; i < results.Count; i++)
            {
                var target = _targets[i];
                var cached = session.Find(target.Key);
                if (cached is null || !cached.MustRespond(results[i]))
                {
                    continue;
                }

                Add(response, target, results[i]);
                if (results[i].Records is { Length: > 0 })
                {
                    session.MoveToBack(target.Key);
                }
            }

            return response;
        }
    }

    /// <summary>Adds to the last topic entry when it is the same topic, as Kafka groups consecutive partitions.</summary>
    private static void Add(FetchResponse response, FetchTarget target, FetchResponse.PartitionData data)
    {
        var topics = response.Responses;
        if (topics.Count == 0 || topics[^1].TopicId != target.TopicId || !string.Equals(topics[^1].Topic, target.Topic, StringComparison.Ordinal))
        {
            topics.Add(new FetchResponse.FetchableTopicResponse { Topic = target.Topic, TopicId = target.TopicId });
        }

        topics[^1].Partitions.Add(data);
    }
}
