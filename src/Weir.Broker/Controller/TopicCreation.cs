using Weir.Protocol;

namespace Weir.Broker.Controller;

/// <summary>What the controller needs to create one topic, and what it answers.</summary>
public sealed record TopicCreation(
    string Name,
    int NumPartitions,
    short ReplicationFactor,
    IReadOnlyList<int[]>? Assignments,
    IReadOnlyDictionary<string, string?> Configs);

public sealed record TopicCreationResult(ErrorCode Error, string? Message, Guid TopicId, int NumPartitions, short ReplicationFactor);
