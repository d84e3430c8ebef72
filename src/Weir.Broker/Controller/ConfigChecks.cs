using System.Globalization;
using Weir.Broker.Config;
using Weir.Broker.Metadata;
using Weir.Protocol;

namespace Weir.Broker.Controller;

/// <summary>
/// What AlterConfigs and IncrementalAlterConfigs accept, with Kafka's codes and messages. A topic
/// config that is unknown or badly valued is INVALID_CONFIG; a broker config that fails is
/// INVALID_REQUEST, as Kafka answers it (KAFKA-13609 kept that code for compatibility).
/// </summary>
public static class ConfigChecks
{
    /// <summary>Checks that the resource can be altered; null when it can.</summary>
    public static (ErrorCode Error, string? Message)? CheckResource(Func<string, bool> topicExists, ConfigResourceKind kind, string name, int nodeId)
    {
        ArgumentNullException.ThrowIfNull(topicExists);
        switch (kind)
        {
            case ConfigResourceKind.Topic:
                if (name.Length == 0)
                {
                    return (ErrorCode.InvalidRequest, "Default topic resources are not allowed.");
                }

                var invalid = TopicNames.Validate(name);
                if (invalid is not null)
                {
                    return (ErrorCode.InvalidTopicException, invalid);
                }

                return topicExists(name) ? null : (ErrorCode.UnknownTopicOrPartition, $"The topic '{name}' does not exist.");
            case ConfigResourceKind.Broker:
                if (name.Length == 0)
                {
                    return null;
                }

                if (!int.TryParse(name, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id))
                {
                    return (ErrorCode.InvalidRequest, $"Node id must be an integer, but it is: {name}");
                }

                return id == nodeId ? null : (ErrorCode.InvalidRequest, $"Unexpected broker id, expected {nodeId}, but received {name}");
            default:
                return (ErrorCode.InvalidRequest, $"Unsupported resource type: {ConfigResolver.ResourceTypeName(kind)}");
        }
    }

    /// <summary>Checks a value to be set; null when it is acceptable.</summary>
    public static (ErrorCode Error, string? Message)? CheckValue(ConfigResourceKind kind, string name, string value)
    {
        var def = Definition(kind, name);
        if (def is null && kind == ConfigResourceKind.Broker)
        {
            // Kafka keeps broker configs it has no definition for (listener and SASL settings,
            // plugins' own names) rather than refusing them; so does Weir, without acting on them.
            return null;
        }

        if (def is null)
        {
            return Invalid(kind, $"Unknown topic config name: {name}");
        }

        if (kind == ConfigResourceKind.Broker && !DynamicBrokerConfigs.IsDynamic(name))
        {
            return Invalid(kind, $"Cannot update these configs dynamically: Set({name})");
        }

        var error = def.Check(value);
        return error is null ? null : Invalid(kind, $"Invalid value {value} for configuration {name}: {error}");
    }

    /// <summary>The list value APPEND/SUBTRACT start from when the resource does not set it: the config's default.</summary>
    public static (ErrorCode Error, string? Message)? CheckListOperation(ConfigResourceKind kind, ConfigAlteration alteration, out string? defaultValue)
    {
        defaultValue = null;
        var def = Definition(kind, alteration.Name);
        if (def is null)
        {
            return CheckValue(kind, alteration.Name, alteration.Value ?? string.Empty);
        }

        if (def.Type != ConfigType.List)
        {
            return Invalid(kind, $"Can't {alteration.Operation.ToString().ToUpperInvariant()} to key {alteration.Name} because its type is not LIST.");
        }

        defaultValue = def.Default;
        return null;
    }

    private static ConfigDef? Definition(ConfigResourceKind kind, string name) => kind switch
    {
        ConfigResourceKind.Topic => TopicConfigs.TryGet(name, out var def, out _) ? def : null,
        ConfigResourceKind.Broker => BrokerConfig.Definition(name),
        _ => null,
    };

    private static (ErrorCode, string?) Invalid(ConfigResourceKind kind, string message) =>
        (kind == ConfigResourceKind.Topic ? ErrorCode.InvalidConfig : ErrorCode.InvalidRequest, message);
}
