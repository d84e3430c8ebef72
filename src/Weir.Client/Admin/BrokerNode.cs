namespace Weir.Client.Admin;

/// <summary>A broker of the cluster.</summary>
public sealed record BrokerNode(int Id, string Host, int Port, string? Rack);
