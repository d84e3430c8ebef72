namespace Weir.Client.Admin;

/// <summary>The cluster's id, its active controller (-1: unknown) and its brokers in id order.</summary>
public sealed record ClusterDescription(string? ClusterId, int ControllerId, IReadOnlyList<BrokerNode> Brokers);
