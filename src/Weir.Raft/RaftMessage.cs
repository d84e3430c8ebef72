using Weir.Protocol;

namespace Weir.Raft;

/// <summary>
/// A Raft request or response between two nodes: the generated message body, the API version it is
/// meant for, and a correlation id that pairs a response with its request. The network delivers it
/// to <see cref="RaftNode.Handle"/> on the destination.
/// </summary>
public sealed record RaftMessage(int Source, int Destination, int CorrelationId, bool IsResponse, ApiKey ApiKey, short Version, IKafkaMessage Body)
{
    public override string ToString() =>
        $"{(IsResponse ? "response" : "request")} {ApiKey} #{CorrelationId} {Source}->{Destination}";
}

/// <summary>
/// What a node sends through. Sending never blocks and never fails: a lost message is noticed by
/// the request timeout. The broker implements it over controller connections; simulations over a queue.
/// </summary>
public interface IRaftNetwork
{
    void Send(RaftMessage message);
}

/// <summary>The versions a node sends: those Kafka 4.0 controllers use.</summary>
public static class RaftApiVersions
{
    public const short Vote = 1;
    public const short BeginQuorumEpoch = 1;
    public const short EndQuorumEpoch = 1;
    public const short Fetch = 17;
    public const short FetchSnapshot = 1;
}
