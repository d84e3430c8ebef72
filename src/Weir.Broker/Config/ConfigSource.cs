namespace Weir.Broker.Config;

/// <summary>Where a config value comes from, with Kafka's DescribeConfigs ids (ConfigSource in the schema).</summary>
public enum ConfigSource : sbyte
{
    Unknown = 0,
    DynamicTopicConfig = 1,
    DynamicBrokerConfig = 2,
    DynamicDefaultBrokerConfig = 3,
    StaticBrokerConfig = 4,
    DefaultConfig = 5,
}
