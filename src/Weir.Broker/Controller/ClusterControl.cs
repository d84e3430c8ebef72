using Weir.Broker.Metadata;
using Weir.Protocol;
using Weir.Protocol.Metadata;

namespace Weir.Broker.Controller;

/// <summary>
/// The brokers of the cluster as the controller knows them (Kafka's ClusterControlManager): registration
/// now; heartbeats, fencing and controlled shutdown with replication. Replays RegisterBrokerRecord.
/// </summary>
internal sealed class ClusterControl(int localNodeId, IReplicaCapacity? localCapacity)
{
    private readonly Dictionary<int, (BrokerRegistration Registration, Guid Incarnation, long Epoch)> _brokers = [];
    private int[] _sortedIds = [];

    public int Count => _brokers.Count;

    /// <summary>Registered broker ids in ascending order, for placing replicas.</summary>
    public IReadOnlyList<int> BrokerIds => _sortedIds;

    public bool IsRegistered(int nodeId) => _brokers.ContainsKey(nodeId);

    /// <summary>
    /// Registers a broker; one already registered with the same endpoint and unfenced keeps its epoch and
    /// writes nothing. The epoch is the registration record's offset, <paramref name="nextOffset"/>, as in Kafka.
    /// </summary>
    public ControllerResult<BrokerRegistrationReply> RegisterBroker(BrokerRegistrationInfo request, long nextOffset)
    {
        if (_brokers.TryGetValue(request.NodeId, out var existing)
            && existing.Registration.Host == request.Host && existing.Registration.Port == request.Port && !existing.Registration.Fenced)
        {
            return ControllerResult<BrokerRegistrationReply>.Of(new BrokerRegistrationReply(ErrorCode.None, existing.Epoch));
        }

        var record = new RegisterBrokerRecord
        {
            BrokerId = request.NodeId,
            IncarnationId = request.IncarnationId,
            BrokerEpoch = nextOffset,
            Fenced = false,
            Rack = request.Rack,
            EndPoints =
            [
                new RegisterBrokerRecord.BrokerEndpoint { Name = request.ListenerName, Host = request.Host, Port = (ushort)request.Port, SecurityProtocol = 0 },
            ],
        };
        return new(new BrokerRegistrationReply(ErrorCode.None, nextOffset), [(record, RegisterBrokerRecord.RecordType, 0)]);
    }

    /// <summary>
    /// Null when every broker in <paramref name="newReplicas"/> has room for that many more replicas of
    /// <paramref name="topic"/>; otherwise the first refusal. Only this node can answer for now; other
    /// brokers would answer with the headroom their heartbeats report.
    /// </summary>
    public string? CheckCapacity(string topic, IReadOnlyDictionary<int, int> newReplicas)
    {
        foreach (var (broker, count) in newReplicas)
        {
            if (broker == localNodeId && localCapacity?.CheckNewReplicas(topic, count) is { } refused)
            {
                return refused;
            }
        }

        return null;
    }

    public void Replay(RegisterBrokerRecord record)
    {
        var endpoint = record.EndPoints.Count > 0 ? record.EndPoints[0] : null;
        var registration = new BrokerRegistration(record.BrokerId, endpoint?.Host ?? "localhost", endpoint?.Port ?? 9092, record.Rack, record.Fenced);
        _brokers[record.BrokerId] = (registration, record.IncarnationId, record.BrokerEpoch);
        var ids = new int[_brokers.Count];
        _brokers.Keys.CopyTo(ids, 0);
        Array.Sort(ids);
        _sortedIds = ids;
    }
}
