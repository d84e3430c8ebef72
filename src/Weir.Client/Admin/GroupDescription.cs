using Weir.Protocol;

namespace Weir.Client.Admin;

/// <summary>
/// A group as its coordinator describes it. State is Kafka's (Empty, Stable, PreparingRebalance,
/// CompletingRebalance, Dead); Protocol is the assignor's name for consumer groups.
/// </summary>
public sealed record GroupDescription(
    string GroupId,
    ErrorCode Error,
    string State,
    string ProtocolType,
    string Protocol,
    IReadOnlyList<GroupMember> Members,
    BrokerNode? Coordinator);
