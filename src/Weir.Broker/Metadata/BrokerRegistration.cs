namespace Weir.Broker.Metadata;

/// <summary>A registered broker and the endpoint clients reach it on.</summary>
public sealed record BrokerRegistration(int NodeId, string Host, int Port, string? Rack, bool Fenced);
