using Weir.Client.Network;

namespace Weir.Client.Cluster;

/// <summary>An immutable snapshot of what the client knows about the cluster.</summary>
public sealed class ClusterMetadata
{
    public static readonly ClusterMetadata Empty = new(null, -1, new Dictionary<int, BrokerAddress>(), new Dictionary<string, TopicMetadata>(StringComparer.Ordinal));

    public ClusterMetadata(string? clusterId, int controllerId, IReadOnlyDictionary<int, BrokerAddress> brokers, IReadOnlyDictionary<string, TopicMetadata> topics)
    {
        ClusterId = clusterId;
        ControllerId = controllerId;
        Brokers = brokers;
        Topics = topics;
    }

    public string? ClusterId { get; }

    public int ControllerId { get; }

    public IReadOnlyDictionary<int, BrokerAddress> Brokers { get; }

    public IReadOnlyDictionary<string, TopicMetadata> Topics { get; }

    public TopicMetadata? Topic(string name) => Topics.TryGetValue(name, out var topic) ? topic : null;
}
