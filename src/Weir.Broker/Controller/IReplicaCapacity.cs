namespace Weir.Broker.Controller;

/// <summary>
/// Whether a broker has room for more replicas, asked by the controller before it commits new
/// partitions there, so a broker out of file descriptors is not handed partitions it cannot open.
/// Nothing is created by asking. The local broker answers from its own descriptor count; a remote
/// broker's answer would be the headroom it last reported to the controller (see README, "Controller").
/// </summary>
public interface IReplicaCapacity
{
    /// <summary>Null when <paramref name="count"/> more replicas of <paramref name="topic"/> fit; otherwise why not.</summary>
    string? CheckNewReplicas(string topic, int count);
}
