using Weir.Protocol;

namespace Weir.Broker.Metadata;

/// <summary>One metadata record a majority of the quorum has, with its offset in <c>__cluster_metadata</c>.</summary>
public readonly record struct CommittedRecord(IKafkaMessage Record, long Offset);
