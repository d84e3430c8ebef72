using Weir.Protocol;

namespace Weir.Raft;

/// <summary>
/// At most one request in flight per destination (Kafka's RequestManager): a response is accepted only
/// if its correlation id is the one outstanding, so answers to requests of an earlier state are dropped;
/// an unanswered request times out and the destination backs off before the next try.
/// </summary>
internal sealed class RequestManager(RaftOptions options)
{
    private readonly Dictionary<int, Inflight> _inflight = [];
    private readonly Dictionary<int, long> _backoffUntil = [];

    public readonly record struct Inflight(int CorrelationId, ApiKey ApiKey, bool PreVote, long SentMs);

    public bool HasAnyInflight => _inflight.Count > 0;

    public bool CanSend(int destination, long now) =>
        !_inflight.ContainsKey(destination) && (!_backoffUntil.TryGetValue(destination, out var until) || until <= now);

    public void OnSent(int destination, int correlationId, ApiKey apiKey, bool preVote, long now)
    {
        _inflight[destination] = new Inflight(correlationId, apiKey, preVote, now);
        _backoffUntil.Remove(destination);
    }

    public bool TryComplete(int source, int correlationId, out Inflight inflight)
    {
        if (_inflight.TryGetValue(source, out inflight) && inflight.CorrelationId == correlationId)
        {
            _inflight.Remove(source);
            return true;
        }
        return false;
    }

    public void OnFailed(int destination, long now) => _backoffUntil[destination] = now + options.RetryBackoffMs;

    public void ExpireTimedOut(long now)
    {
        foreach (var (destination, inflight) in _inflight)
        {
            if (now - inflight.SentMs >= options.RequestTimeoutMs)
            {
                _inflight.Remove(destination);
                _backoffUntil[destination] = now + options.RetryBackoffMs;
            }
        }
    }

    /// <summary>Milliseconds until the next request timeout or backoff end, long.MaxValue if none.</summary>
    public long NextDeadline(long now)
    {
        var next = long.MaxValue;
        foreach (var inflight in _inflight.Values)
        {
            next = Math.Min(next, inflight.SentMs + options.RequestTimeoutMs - now);
        }
        foreach (var until in _backoffUntil.Values)
        {
            if (until > now)
            {
                next = Math.Min(next, until - now);
            }
        }
        return next;
    }

    /// <summary>Forgets everything in flight: a state change makes outstanding answers irrelevant.</summary>
    public void ResetAll()
    {
        _inflight.Clear();
        _backoffUntil.Clear();
    }
}
