using Weir.Broker.Config;
using Weir.Broker.Metadata;
using Weir.Storage;

namespace Weir.Broker.Partitions;

/// <summary>Resolves a topic's effective log config: topic overrides over broker defaults (through synonyms).</summary>
public static class LogConfigs
{
    public static LogConfig BrokerDefaults(BrokerConfig config) =>
        TryBrokerDefaults(config, null, out var result, out var error)
            ? result
            : throw new ConfigException($"Broker log defaults are invalid: {error}");

    /// <summary>
    /// The topic defaults of this broker with its dynamic broker configs (AlterConfigs on the broker
    /// resource) over the static ones; false with the reason when they do not make a log config.
    /// </summary>
    public static bool TryBrokerDefaults(BrokerConfig config, Func<string, string?>? dynamicValue, out LogConfig result, out string? error)
    {
        var defaults = new List<KeyValuePair<string, string>>();
        foreach (var (def, _) in TopicConfigs.All)
        {
            defaults.Add(new(def.Name, config.TopicDefault(def.Name, dynamicValue).Value));
        }

        return LogConfig.TryApply(LogConfig.Default, defaults, out result, out error);
    }

    public static LogConfig ForTopic(LogConfig brokerDefaults, MetadataImage image, string topic)
    {
        var overrides = image.ConfigsOf(ConfigResourceKind.Topic, topic);
        if (overrides.IsEmpty)
        {
            return brokerDefaults;
        }

        // Values were validated when they were set; anything the log does not model is ignored here.
        return LogConfig.TryApply(brokerDefaults, overrides, out var config, out _) ? config : brokerDefaults;
    }
}
