namespace Weir.Broker.Fetch;

/// <summary>How a fetch relates to a session (Kafka's FetchContext subclasses).</summary>
public enum FetchContextKind
{
    /// <summary>The session named is unknown, or the epoch or topic-id use does not match: answer only the error.</summary>
    SessionError,

    /// <summary>A full fetch that wants no session: answer every partition, session id 0.</summary>
    Sessionless,

    /// <summary>A full fetch that opens a session: answer every partition and the new session's id.</summary>
    Full,

    /// <summary>A fetch within a session: read all its partitions, answer only those with something new.</summary>
    Incremental,
}
