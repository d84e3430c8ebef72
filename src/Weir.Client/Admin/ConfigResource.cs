namespace Weir.Client.Admin;

/// <summary>Something that has configs: a topic by name, a broker by id ("" for the cluster-wide broker defaults).</summary>
public readonly record struct ConfigResource(ConfigResourceType Type, string Name)
{
    public static ConfigResource Topic(string name) => new(ConfigResourceType.Topic, name);

    public static ConfigResource Broker(int nodeId) => new(ConfigResourceType.Broker, nodeId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The dynamic defaults every broker in the cluster shares.</summary>
    public static ConfigResource BrokerDefaults => new(ConfigResourceType.Broker, "");
}
