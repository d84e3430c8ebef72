using System.Collections.Immutable;
using System.Globalization;
using Weir.Broker.Controller;
using Weir.Broker.Metadata;
using Weir.Protocol;

namespace Weir.Broker.Config;

/// <summary>
/// Resolves configs as of one metadata image, layer over layer as Kafka does: topic override, dynamic
/// per-broker value, dynamic cluster default (broker resource ""), static server.properties value,
/// then the code default. Describes topic and broker resources for DescribeConfigs.
/// </summary>
public sealed class ConfigResolver
{
    private readonly BrokerConfig _config;
    private readonly MetadataImage _image;
    private readonly ImmutableDictionary<string, string> _perBroker;
    private readonly ImmutableDictionary<string, string> _clusterDefault;

    public ConfigResolver(BrokerConfig config, MetadataImage image)
    {
        _config = config;
        _image = image;
        _perBroker = image.ConfigsOf(ConfigResourceKind.Broker, config.NodeId.ToString(CultureInfo.InvariantCulture));
        _clusterDefault = image.ConfigsOf(ConfigResourceKind.Broker, string.Empty);
    }

    /// <summary>True when no dynamic broker config is set, so the static broker defaults apply as they are.</summary>
    public bool HasNoDynamicBrokerConfigs => _perBroker.IsEmpty && _clusterDefault.IsEmpty;

    /// <summary>The dynamic value of a broker config: this broker's own over the cluster default; null when neither is set.</summary>
    public string? DynamicBrokerValue(string name) =>
        _perBroker.TryGetValue(name, out var v) ? v : _clusterDefault.GetValueOrDefault(name);

    /// <summary>A topic config's broker-level default, through its synonyms and the dynamic broker layers.</summary>
    public string TopicDefault(string topicConfigName) => _config.TopicDefault(topicConfigName, DynamicBrokerValue).Value;

    /// <summary>Kafka's name of a resource type, as its error messages print it.</summary>
    public static string ResourceTypeName(ConfigResourceKind kind) => kind switch
    {
        ConfigResourceKind.Topic => "TOPIC",
        ConfigResourceKind.Broker => "BROKER",
        ConfigResourceKind.BrokerLogger => "BROKER_LOGGER",
        ConfigResourceKind.ClientMetrics => "CLIENT_METRICS",
        ConfigResourceKind.Group => "GROUP",
        _ => "UNKNOWN",
    };

    /// <summary>
    /// DescribeConfigs for one resource: all its configs, or only <paramref name="keys"/> when given
    /// (names it does not have are left out, as in Kafka).
    /// </summary>
    public DescribeConfigsOutcome Describe(ConfigResourceKind kind, string name, IReadOnlyCollection<string>? keys)
    {
        switch (kind)
        {
            case ConfigResourceKind.Topic:
                var invalid = TopicNames.Validate(name);
                if (invalid is not null)
                {
                    return DescribeConfigsOutcome.Fail(ErrorCode.InvalidTopicException, invalid);
                }

                // Kafka answers an unknown topic with the code alone.
                return _image.TopicsByName.ContainsKey(name)
                    ? new DescribeConfigsOutcome(ErrorCode.None, null, DescribeTopic(name, keys))
                    : DescribeConfigsOutcome.Fail(ErrorCode.UnknownTopicOrPartition, null);
            case ConfigResourceKind.Broker:
                if (name.Length == 0)
                {
                    return new DescribeConfigsOutcome(ErrorCode.None, null, DescribeClusterDefault(keys));
                }

                if (!int.TryParse(name, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id))
                {
                    return DescribeConfigsOutcome.Fail(ErrorCode.InvalidRequest, $"Broker id must be an integer, but it is: {name}");
                }

                return id == _config.NodeId
                    ? new DescribeConfigsOutcome(ErrorCode.None, null, DescribeBroker(keys))
                    : DescribeConfigsOutcome.Fail(ErrorCode.InvalidRequest, $"Unexpected broker id, expected {_config.NodeId} or empty string, but received {name}");
            default:
                return DescribeConfigsOutcome.Fail(ErrorCode.InvalidRequest, $"Unsupported resource type: {ResourceTypeName(kind)}");
        }
    }

    private List<DescribedConfig> DescribeTopic(string topic, IReadOnlyCollection<string>? keys)
    {
        var overrides = _image.ConfigsOf(ConfigResourceKind.Topic, topic);
        var result = new List<DescribedConfig>();
        foreach (var (def, brokerSynonyms) in TopicConfigs.All)
        {
            if (!Wanted(keys, def.Name))
            {
                continue;
            }

            var synonyms = new List<ConfigSynonym>();
            var hasOverride = overrides.TryGetValue(def.Name, out var value);
            if (hasOverride)
            {
                synonyms.Add(new ConfigSynonym(def.Name, value, ConfigSource.DynamicTopicConfig));
            }

            AddBrokerSynonyms(synonyms, brokerSynonyms, perBroker: true, def.Sensitive);
            value = hasOverride ? value : TopicDefault(def.Name);
            result.Add(Entry(def, def.Sensitive ? null : value, synonyms, readOnly: false));
        }

        return result;
    }

    private List<DescribedConfig> DescribeBroker(IReadOnlyCollection<string>? keys)
    {
        var result = new List<DescribedConfig>();
        foreach (var def in BrokerConfigDefs.All)
        {
            if (Wanted(keys, def.Name))
            {
                result.Add(BrokerEntry(def, perBroker: true));
            }
        }

        return result;
    }

    /// <summary>The cluster-default resource lists only the dynamic defaults that are set.</summary>
    private List<DescribedConfig> DescribeClusterDefault(IReadOnlyCollection<string>? keys)
    {
        var result = new List<DescribedConfig>();
        foreach (var def in BrokerConfigDefs.All)
        {
            if (_clusterDefault.ContainsKey(def.Name) && Wanted(keys, def.Name))
            {
                result.Add(BrokerEntry(def, perBroker: false));
            }
        }

        return result;
    }

    private DescribedConfig BrokerEntry(ConfigDef def, bool perBroker)
    {
        var synonyms = new List<ConfigSynonym>();
        AddBrokerSynonyms(synonyms, DynamicBrokerConfigs.BrokerSynonyms(def.Name), perBroker, def.Sensitive);

        // As Kafka: synonyms listed ahead of the described name (e.g. log.retention.ms for .hours) are dropped.
        var first = synonyms.FindIndex(s => s.Name == def.Name);
        synonyms.RemoveRange(0, first < 0 ? synonyms.Count : first);
        var own = synonyms.Find(s => s.Name == def.Name);
        var value = own?.Value;
        if (perBroker && def.Name is "node.id" or "broker.id")
        {
            value = _config.NodeId.ToString(CultureInfo.InvariantCulture);
        }

        return Entry(def, def.Sensitive ? null : value, synonyms, readOnly: !DynamicBrokerConfigs.IsDynamic(def.Name));
    }

    /// <summary>Kafka's configSynonyms: grouped by source (dynamic broker, dynamic default, static, default), names in synonym order.</summary>
    private void AddBrokerSynonyms(List<ConfigSynonym> into, string[] names, bool perBroker, bool sensitive)
    {
        if (perBroker)
        {
            Add(into, names, _perBroker, ConfigSource.DynamicBrokerConfig, sensitive);
        }

        Add(into, names, _clusterDefault, ConfigSource.DynamicDefaultBrokerConfig, sensitive);
        if (!perBroker)
        {
            return;
        }

        Add(into, names, _config.ExplicitValues, ConfigSource.StaticBrokerConfig, sensitive);
        foreach (var name in names)
        {
            if (BrokerConfig.Definition(name)?.Default is { } d)
            {
                into.Add(new ConfigSynonym(name, sensitive ? null : d, ConfigSource.DefaultConfig));
            }
        }

        static void Add(List<ConfigSynonym> into, string[] names, IReadOnlyDictionary<string, string> layer, ConfigSource source, bool sensitive)
        {
            foreach (var name in names)
            {
                if (layer.TryGetValue(name, out var v))
                {
                    into.Add(new ConfigSynonym(name, sensitive ? null : v, source));
                }
            }
        }
    }

    private static DescribedConfig Entry(ConfigDef def, string? value, List<ConfigSynonym> synonyms, bool readOnly) =>
        new(def.Name, value, synonyms.Count == 0 ? ConfigSource.DefaultConfig : synonyms[0].Source, readOnly, def.Sensitive, synonyms, def.Type, def.FullDocumentation);

    private static bool Wanted(IReadOnlyCollection<string>? keys, string name)
    {
        if (keys is null || keys.Count == 0)
        {
            return true;
        }

        foreach (var key in keys)
        {
            if (key == name)
            {
                return true;
            }
        }

        return false;
    }
}
