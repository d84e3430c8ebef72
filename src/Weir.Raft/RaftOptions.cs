namespace Weir.Raft;

/// <summary>
/// Quorum settings under Kafka's names (controller.quorum.*). Defaults are Kafka's.
/// </summary>
public sealed class RaftOptions
{
    /// <summary>controller.quorum.election.timeout.ms: a voter without a leader waits this long, randomised up to twice, before an election.</summary>
    public int ElectionTimeoutMs { get; init; } = 1000;

    /// <summary>controller.quorum.fetch.timeout.ms: a follower that hears nothing from its leader this long starts an election.</summary>
    public int FetchTimeoutMs { get; init; } = 2000;

    /// <summary>controller.quorum.election.backoff.max.ms: the cap of the randomised backoff after a lost election.</summary>
    public int ElectionBackoffMaxMs { get; init; } = 1000;

    /// <summary>controller.quorum.request.timeout.ms: an unanswered request is given up after this long.</summary>
    public int RequestTimeoutMs { get; init; } = 2000;

    /// <summary>controller.quorum.retry.backoff.ms: the wait before a failed request to the same node is retried.</summary>
    public int RetryBackoffMs { get; init; } = 20;

    /// <summary>controller.quorum.fetch.max.wait.ms (Kafka's fixed 500): how long a leader parks a fetch with nothing new.</summary>
    public int FetchMaxWaitMs { get; init; } = 500;

    /// <summary>The cluster id carried in every request; a request with another id is refused (INCONSISTENT_CLUSTER_ID).</summary>
    public string? ClusterId { get; init; }

    /// <summary>The single partition the quorum replicates (Kafka: __cluster_metadata-0).</summary>
    public string TopicName { get; init; } = "__cluster_metadata";

    /// <summary>The metadata topic's id, sent in Fetch v13+ (Kafka's fixed METADATA_TOPIC_ID is AAAAAAAAAAAAAAAAAAAAAQ).</summary>
    public Guid TopicId { get; init; } = KafkaUuid.MetadataTopicId;

    internal int CheckQuorumTimeoutMs => FetchTimeoutMs * 3 / 2;
}
