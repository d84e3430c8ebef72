using Weir.Broker.Metadata;
using Weir.Protocol;
using Weir.Protocol.Metadata;

namespace Weir.Broker.Controller;

/// <summary>
/// Dynamic configs of topics and brokers (Kafka's ConfigurationControlManager): AlterConfigs and
/// IncrementalAlterConfigs decided here as ConfigRecords; replays ConfigRecord, and drops a topic's
/// configs when the topic is removed.
/// </summary>
internal sealed class ConfigurationControl(int nodeId, Func<string, bool> topicExists)
{
    private static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>();

    private readonly Dictionary<(ConfigResourceKind Kind, string Name), Dictionary<string, string>> _configs = [];

    public IReadOnlyDictionary<string, string> ConfigsOf(ConfigResourceKind kind, string name) =>
        _configs.TryGetValue((kind, name), out var configs) ? configs : None;

    /// <summary>
    /// IncrementalAlterConfigs on one resource: SET, DELETE, and APPEND/SUBTRACT on list configs (from the
    /// config's default when the resource does not set it). All or nothing; no records when validating only.
    /// </summary>
    public ControllerResult<(ErrorCode Error, string? Message)> IncrementalAlterConfigs(ConfigResourceKind kind, string resource, IReadOnlyList<ConfigAlteration> alterations, bool validateOnly)
    {
        if (ConfigChecks.CheckResource(topicExists, kind, resource, nodeId) is { } refused)
        {
            return ControllerResult<(ErrorCode, string?)>.Of(refused);
        }

        var current = ConfigsOf(kind, resource);
        var next = new Dictionary<string, string>(current, StringComparer.Ordinal);
        foreach (var alteration in alterations)
        {
            switch (alteration.Operation)
            {
                case ConfigOperation.Set:
                    next[alteration.Name] = alteration.Value!;
                    break;
                case ConfigOperation.Delete:
                    next.Remove(alteration.Name);
                    break;
                case ConfigOperation.Append:
                case ConfigOperation.Subtract:
                    if (ConfigChecks.CheckListOperation(kind, alteration, out var defaultValue) is { } notList)
                    {
                        return ControllerResult<(ErrorCode, string?)>.Of(notList);
                    }

                    var old = next.TryGetValue(alteration.Name, out var set) ? set : defaultValue;
                    next[alteration.Name] = CombineList(old, alteration.Value!, alteration.Operation == ConfigOperation.Append);
                    break;
                default:
                    return ControllerResult<(ErrorCode, string?)>.Of((ErrorCode.InvalidRequest, $"Unknown operations type {(sbyte)alteration.Operation}"));
            }
        }

        return Records(kind, resource, current, next, validateOnly);
    }

    /// <summary>AlterConfigs on one resource: its dynamic configs become exactly <paramref name="configs"/>.</summary>
    public ControllerResult<(ErrorCode Error, string? Message)> ReplaceConfigs(ConfigResourceKind kind, string resource, IReadOnlyList<(string Name, string Value)> configs, bool validateOnly)
    {
        if (ConfigChecks.CheckResource(topicExists, kind, resource, nodeId) is { } refused)
        {
            return ControllerResult<(ErrorCode, string?)>.Of(refused);
        }

        var next = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in configs)
        {
            next[name] = value;
        }

        return Records(kind, resource, ConfigsOf(kind, resource), next, validateOnly);
    }

    public void Replay(ConfigRecord record)
    {
        var key = ((ConfigResourceKind)record.ResourceType, record.ResourceName);
        if (record.Value is null)
        {
            if (_configs.TryGetValue(key, out var configs) && configs.Remove(record.Name) && configs.Count == 0)
            {
                _configs.Remove(key);
            }

            return;
        }

        if (!_configs.TryGetValue(key, out var existing))
        {
            existing = new Dictionary<string, string>(StringComparer.Ordinal);
            _configs[key] = existing;
        }

        existing[record.Name] = record.Value;
    }

    /// <summary>Called when a topic's RemoveTopicRecord is replayed: its configs go with it.</summary>
    public void DeleteTopicConfigs(string topic) => _configs.Remove((ConfigResourceKind.Topic, topic));

    /// <summary>Checks what changes from <paramref name="current"/> to <paramref name="next"/> and writes it as ConfigRecords.</summary>
    private static ControllerResult<(ErrorCode Error, string? Message)> Records(ConfigResourceKind kind, string resource, IReadOnlyDictionary<string, string> current, Dictionary<string, string> next, bool validateOnly)
    {
        var records = new List<(IKafkaMessage, short, short)>();
        foreach (var name in next.Keys.Order(StringComparer.Ordinal))
        {
            var value = next[name];
            if (current.TryGetValue(name, out var old) && old == value)
            {
                continue;
            }

            if (ConfigChecks.CheckValue(kind, name, value) is { } invalid)
            {
                return ControllerResult<(ErrorCode, string?)>.Of(invalid);
            }

            records.Add((new ConfigRecord { ResourceType = (sbyte)kind, ResourceName = resource, Name = name, Value = value }, ConfigRecord.RecordType, 0));
        }

        foreach (var name in current.Keys.Order(StringComparer.Ordinal))
        {
            if (!next.ContainsKey(name))
            {
                records.Add((new ConfigRecord { ResourceType = (sbyte)kind, ResourceName = resource, Name = name, Value = null }, ConfigRecord.RecordType, 0));
            }
        }

        return new((ErrorCode.None, null), validateOnly ? [] : records);
    }

    private static string CombineList(string? old, string operand, bool append)
    {
        var items = new List<string>((old ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        foreach (var item in operand.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!append)
            {
                items.RemoveAll(i => i == item);
            }
            else if (!items.Contains(item))
            {
                items.Add(item);
            }
        }

        return string.Join(',', items);
    }
}
