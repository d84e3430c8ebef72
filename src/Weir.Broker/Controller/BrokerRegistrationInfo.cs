using Weir.Protocol;

namespace Weir.Broker.Controller;

/// <summary>What a broker registers with (Kafka's BrokerRegistrationRequest): one listener for now.</summary>
public sealed record BrokerRegistrationInfo(int NodeId, Guid IncarnationId, string ListenerName, string Host, int Port, string? Rack);

/// <summary>The controller's answer: the broker epoch, which later heartbeats and requests carry.</summary>
public readonly record struct BrokerRegistrationReply(ErrorCode Error, long BrokerEpoch);
