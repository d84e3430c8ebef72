namespace Weir.Client.Admin;

/// <summary>Where a config value comes from (DescribeConfigs v1+ wire values).</summary>
public enum ConfigSource : sbyte
{
    Unknown = 0,
    DynamicTopicConfig = 1,
    DynamicBrokerConfig = 2,
    DynamicDefaultBrokerConfig = 3,
    StaticBrokerConfig = 4,
    DefaultConfig = 5,
    DynamicBrokerLoggerConfig = 6,
    DynamicClientMetricsConfig = 7,
    DynamicGroupConfig = 8,
}
