using System.Globalization;

namespace Weir.Broker.Config;

/// <summary>
/// The broker's settings: Kafka's names and defaults, from a server.properties file and/or
/// overrides. Unknown names are reported as warnings; a bad value is a <see cref="ConfigException"/>
/// naming the setting, so the broker never starts half-configured.
/// </summary>
public sealed class BrokerConfig
{
    private static readonly Dictionary<string, ConfigDef> Defs = BuildDefs();

    private readonly Dictionary<string, string> _explicit;

    private BrokerConfig(Dictionary<string, string> explicitValues, List<string> warnings)
    {
        _explicit = explicitValues;
        Warnings = warnings;
        NodeId = _explicit.ContainsKey("node.id") ? GetInt("node.id") : _explicit.ContainsKey("broker.id") ? GetInt("broker.id") : GetInt("node.id");
        Listeners = ParseListeners("listeners", Get("listeners")!);
        var controllerNames = GetList("controller.listener.names");
        ListenerSecurity.Check(Listeners, Get("listener.security.protocol.map")!, IsExplicit("listener.security.protocol.map"), controllerNames);
        ClientListeners = Listeners.Where(l => !controllerNames.Contains(l.Name)).ToList();
        if (ClientListeners.Count == 0)
        {
            throw new ConfigException("listeners: no listener for clients (every listener is in controller.listener.names). Add e.g. PLAINTEXT://localhost:9092.");
        }

        var advertised = Get("advertised.listeners");
        AdvertisedListeners = string.IsNullOrWhiteSpace(advertised)
            ? ClientListeners.Select(AdvertiseDefault).ToList()
            : ParseListeners("advertised.listeners", advertised);
        var dirs = Get("log.dirs");
        LogDirs = string.IsNullOrWhiteSpace(dirs) ? [Get("log.dir")!] : GetList("log.dirs");
    }

    /// <summary>Names given explicitly that Weir does not know, and settings given that have no effect yet.</summary>
    public IReadOnlyList<string> Warnings { get; }

    public int NodeId { get; }

    public IReadOnlyList<Listener> Listeners { get; }

    /// <summary>Listeners clients connect to (all but the controller's).</summary>
    public IReadOnlyList<Listener> ClientListeners { get; }

    public IReadOnlyList<Listener> AdvertisedListeners { get; }

    public IReadOnlyList<string> LogDirs { get; }

    public int NumPartitions => GetInt("num.partitions");

    public short DefaultReplicationFactor => (short)GetInt("default.replication.factor");

    public bool AutoCreateTopicsEnable => GetBool("auto.create.topics.enable");

    public bool DeleteTopicEnable => GetBool("delete.topic.enable");

    public int MessageMaxBytes => GetInt("message.max.bytes");

    public int SocketRequestMaxBytes => GetInt("socket.request.max.bytes");

    public long ConnectionsMaxIdleMs => GetLong("connections.max.idle.ms");

    public long SocketRequestReadTimeoutMs => GetLong("socket.request.read.timeout.ms");

    public long QueuedMaxRequestBytes => GetLong("queued.max.request.bytes");

    public int MaxConnections => GetInt("max.connections");

    public int MaxConnectionsPerIp => GetInt("max.connections.per.ip");

    public long LogRetentionCheckIntervalMs => GetLong("log.retention.check.interval.ms");

    public int OffsetsTopicNumPartitions => GetInt("offsets.topic.num.partitions");

    public int FetchMaxBytes => GetInt("fetch.max.bytes");

    public int MaxIncrementalFetchSessionCacheSlots => GetInt("max.incremental.fetch.session.cache.slots");

    public string? ClusterId => Get("cluster.id");

    /// <summary>Every value given explicitly (file or overrides), for DescribeConfigs' STATIC_BROKER_CONFIG source.</summary>
    public IReadOnlyDictionary<string, string> ExplicitValues => _explicit;

    public static ConfigDef? Definition(string name) => Defs.GetValueOrDefault(name);

    public static IEnumerable<ConfigDef> Definitions => Defs.Values;

    /// <summary>Defaults only: a single node on localhost:9092 with data in <paramref name="dataDir"/>.</summary>
    public static BrokerConfig Default(string dataDir, int port = 9092) =>
        FromProperties(new Dictionary<string, string>
        {
            ["listeners"] = $"PLAINTEXT://localhost:{port}",
            ["log.dirs"] = dataDir,
        });

    public static BrokerConfig Load(string path, IReadOnlyDictionary<string, string>? overrides = null)
    {
        if (!File.Exists(path))
        {
            throw new ConfigException($"Config file '{path}' does not exist. Pass a server.properties path, or nothing for the defaults.");
        }

        var props = PropertiesFile.Parse(File.ReadAllText(path));
        if (overrides is not null)
        {
            foreach (var (k, v) in overrides)
            {
                props[k] = v;
            }
        }

        return FromProperties(props);
    }

    public static BrokerConfig FromProperties(IReadOnlyDictionary<string, string> props)
    {
        var warnings = new List<string>();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, raw) in props)
        {
            var value = raw.Trim();
            if (Defs.TryGetValue(name, out var def))
            {
                var error = def.Check(value);
                if (error is not null)
                {
                    throw new ConfigException($"Invalid value '{value}' for {name}: {error}.");
                }

                AddNoEffectWarning(warnings, def, value);
            }
            else if (TopicConfigs.TryGet(name, out var topicDef, out _))
            {
                // Topic-level names are accepted at broker level too by some tools; validate them.
                var error = topicDef.Check(value);
                if (error is not null)
                {
                    throw new ConfigException($"Invalid value '{value}' for {name}: {error}.");
                }

                AddNoEffectWarning(warnings, topicDef, value);
            }
            else
            {
                warnings.Add($"Unknown config '{name}' is ignored.");
            }

            values[name] = value;
        }

        return new BrokerConfig(values, warnings);
    }

    private static void AddNoEffectWarning(List<string> warnings, ConfigDef def, string value)
    {
        if (def.NoEffectWarning(value) is { } warning)
        {
            warnings.Add(warning);
        }
    }

    public string? Get(string name) =>
        _explicit.TryGetValue(name, out var v) ? v : Defs.TryGetValue(name, out var def) ? def.Default : null;

    public bool IsExplicit(string name) => _explicit.ContainsKey(name);

    public int GetInt(string name) => int.Parse(Get(name)!, CultureInfo.InvariantCulture);

    public long GetLong(string name) => long.Parse(Get(name)!, CultureInfo.InvariantCulture);

    public bool GetBool(string name) => bool.Parse(Get(name)!);

    public List<string> GetList(string name) =>
        [.. (Get(name) ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>
    /// The broker-level default for a topic config, resolved through its synonyms as Kafka does
    /// (e.g. retention.ms from log.retention.ms, then .minutes, then .hours), with the name it came from.
    /// <paramref name="dynamicValue"/> gives a synonym's dynamic broker value (AlterConfigs), which wins
    /// over the static one of the same name, as in Kafka's merged broker config.
    /// </summary>
    public (string Value, string? FromName) TopicDefault(string topicConfigName, Func<string, string?>? dynamicValue = null)
    {
        if (!TopicConfigs.TryGet(topicConfigName, out var def, out var synonyms))
        {
            throw new ArgumentException($"Unknown topic config {topicConfigName}", nameof(topicConfigName));
        }

        foreach (var synonym in synonyms)
        {
            if (dynamicValue?.Invoke(synonym) is { } dynamic)
            {
                return (Scale(synonym, dynamic), synonym);
            }

            if (_explicit.TryGetValue(synonym, out var v))
            {
                return (Scale(synonym, v), synonym);
            }
        }

        // No explicit synonym: the first synonym that has a default (e.g. log.retention.hours=168).
        foreach (var synonym in synonyms)
        {
            if (Defs.TryGetValue(synonym, out var sdef) && sdef.Default is not null)
            {
                return (Scale(synonym, sdef.Default), synonym);
            }
        }

        return (def.Default ?? string.Empty, null);
    }

    private static string Scale(string synonym, string value)
    {
        long factor = synonym.EndsWith(".hours", StringComparison.Ordinal) ? 3_600_000
            : synonym.EndsWith(".minutes", StringComparison.Ordinal) ? 60_000 : 1;
        if (factor == 1 || !long.TryParse(value, out var n) || n < 0)
        {
            return value;
        }

        return (n * factor).ToString(CultureInfo.InvariantCulture);
    }

    private static Listener AdvertiseDefault(Listener l) =>
        l.Host is "" or "0.0.0.0" or "::" ? l with { Host = "localhost" } : l;

    private static List<Listener> ParseListeners(string name, string value)
    {
        var result = new List<Listener>();
        foreach (var item in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Listener.TryParse(item, out var listener, out var error))
            {
                throw new ConfigException($"Invalid value for {name}: {error}. Use NAME://host:port, e.g. PLAINTEXT://localhost:9092.");
            }

            result.Add(listener);
        }

        if (result.Count == 0)
        {
            throw new ConfigException($"{name} is empty. Use NAME://host:port, e.g. PLAINTEXT://localhost:9092.");
        }

        return result;
    }

    private static Dictionary<string, ConfigDef> BuildDefs()
    {
        var defs = new Dictionary<string, ConfigDef>(StringComparer.Ordinal);
        foreach (var def in BrokerConfigDefs.All)
        {
            defs[def.Name] = def;
        }

        return defs;
    }
}
