namespace Weir.Broker.Metadata;

/// <summary>Kafka's ConfigResource.Type ids as DescribeConfigs/AlterConfigs and ConfigRecord use them.</summary>
public enum ConfigResourceKind : sbyte
{
    Unknown = 0,
    Topic = 2,
    Broker = 4,
    BrokerLogger = 8,
    ClientMetrics = 16,
    Group = 32,
}
