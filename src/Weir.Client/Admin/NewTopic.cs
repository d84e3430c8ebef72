namespace Weir.Client.Admin;

/// <summary>
/// A topic to create. Partitions and replication factor -1 take the broker's defaults
/// (num.partitions, default.replication.factor); a replica assignment, when given, fixes both.
/// </summary>
public sealed record NewTopic(string Name, int NumPartitions = -1, short ReplicationFactor = -1)
{
    /// <summary>Per-topic config overrides (retention.ms, cleanup.policy, ...).</summary>
    public IReadOnlyDictionary<string, string> Configs { get; init; } = new Dictionary<string, string>();

    /// <summary>Partition → broker ids holding its replicas, the first preferred as leader. Null: the broker decides.</summary>
    public IReadOnlyDictionary<int, IReadOnlyList<int>>? ReplicaAssignment { get; init; }
}
