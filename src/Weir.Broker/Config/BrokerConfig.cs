using System.Globalization;

namespace Weir.Broker.Config;

/// <summary>
/// The broker's settings: Kafka's names and defaults, from a server.properties file and/or
/// overrides. Unknown names are reported as warnings; a bad value is a <see cref="ConfigException"/>
/// naming the setting, so the broker never starts half-configured.
/// </summary>
public sealed partial class BrokerConfig
{
    private static readonly Dictionary<string, ConfigDef> Defs = BuildDefs();

    private readonly Dictionary<string, string> _explicit;

    private BrokerConfig(Dictionary<string, string> explicitValues, List<string> warnings, ConfigOrigins origins)
    {
        _explicit = explicitValues;
        Warnings = warnings;
        Origins = origins;
        ProcessRoles = ParseRoles();
        NodeId = ResolveNodeId();
        Listeners = ParseListeners("listeners", Get("listeners")!, checkPorts: true);
        ControllerListenerNames = GetList("controller.listener.names");
        try
        {
            ListenerSecurity.Check(Listeners, Get("listener.security.protocol.map")!, IsExplicit("listener.security.protocol.map"), ControllerListenerNames);
        }
        catch (ConfigException ex)
        {
            throw origins.Error(ex.Message, "listeners", "listener.security.protocol.map");
        }

        ClientListeners = Listeners.Where(l => !IsControllerListener(l.Name)).ToList();
        ControllerListeners = Listeners.Where(l => IsControllerListener(l.Name)).ToList();
        if (ClientListeners.Count == 0 && ProcessRoles.HasFlag(ProcessRoles.Broker))
        {
            throw origins.Error("There must be at least one broker listener: every listener is in controller.listener.names. Add one for clients, e.g. PLAINTEXT://localhost:9092.", "listeners", "controller.listener.names");
        }

        var advertised = Get("advertised.listeners");
        if (string.IsNullOrWhiteSpace(advertised))
        {
            AdvertisedListeners = ClientListeners.Select(AdvertiseDefault).ToList();
            AdvertisedControllerListeners = ControllerListeners.Select(AdvertiseDefault).ToList();
        }
        else
        {
            var all = ParseListeners("advertised.listeners", advertised, checkPorts: false);
            CheckAdvertised(all);
            AdvertisedListeners = all.Where(l => !IsControllerListener(l.Name)).ToList();
            AdvertisedControllerListeners = ControllerListeners.Select(l => all.Find(a => SameName(a.Name, l.Name)) ?? AdvertiseDefault(l)).ToList();
            if (AdvertisedListeners.Count == 0 && ProcessRoles.HasFlag(ProcessRoles.Broker))
            {
                throw origins.Error("There must be at least one broker advertised listener. Perhaps all listeners appear in controller.listener.names?", "advertised.listeners");
            }
        }

        var dirs = Get("log.dirs");
        LogDirs = string.IsNullOrWhiteSpace(dirs) ? [Get("log.dir")!] : GetList("log.dirs");
        Quorum = ControllerQuorumConfig.From(this, origins);
        ValidateKRaft();
        InterBrokerListenerName = ResolveInterBrokerListener();
        if (BrokerHeartbeatIntervalMs * 2L > BrokerSessionTimeoutMs)
        {
            warnings.Add($"broker.heartbeat.interval.ms ({BrokerHeartbeatIntervalMs} ms) must be less than or equal to half of the broker.session.timeout.ms ({BrokerSessionTimeoutMs} ms): a broker that does not heartbeat within the session timeout loses its lease.");
        }
    }

    /// <summary>Names given explicitly that Weir does not know, and settings given that have no effect yet.</summary>
    public IReadOnlyList<string> Warnings { get; }

    public int NodeId { get; }

    public IReadOnlyList<Listener> Listeners { get; }

    /// <summary>Listeners clients connect to (all but the controller's).</summary>
    public IReadOnlyList<Listener> ClientListeners { get; }

    /// <summary>The client listeners as advertised to clients (controller listeners are never among them).</summary>
    public IReadOnlyList<Listener> AdvertisedListeners { get; }

    /// <summary>Where the settings came from, for messages that name the line to fix.</summary>
    public ConfigOrigins Origins { get; }

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

        var entries = PropertiesFile.ParseWithLines(File.ReadAllText(path));
        var props = new Dictionary<string, string>(StringComparer.Ordinal);
        var warnings = new List<string>();
        foreach (var (name, entry) in entries)
        {
            props[name] = entry.Value;
            if (entry.Shadowed.Count > 0)
            {
                warnings.Add($"{name} is set more than once in {path} (lines {string.Join(", ", entry.Shadowed)} and {entry.Line}): line {entry.Line} wins.");
            }
        }

        if (overrides is not null)
        {
            foreach (var (k, v) in overrides)
            {
                props[k] = v;
            }
        }

        return FromProperties(props, ConfigOrigins.FromFile(path, entries, overrides?.Keys ?? []), warnings);
    }

    public static BrokerConfig FromProperties(IReadOnlyDictionary<string, string> props) => FromProperties(props, ConfigOrigins.None, []);

    private static BrokerConfig FromProperties(IReadOnlyDictionary<string, string> props, ConfigOrigins origins, List<string> warnings)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, raw) in props)
        {
            var value = raw.Trim();
            if (Defs.TryGetValue(name, out var def))
            {
                var error = def.Check(value);
                if (error is not null)
                {
                    throw origins.Error($"Invalid value '{value}' for {name}: {error}.", name);
                }

                AddNoEffectWarning(warnings, def, value);
            }
            else if (TopicConfigs.TryGet(name, out var topicDef, out _))
            {
                // Topic-level names are accepted at broker level too by some tools; validate them.
                var error = topicDef.Check(value);
                if (error is not null)
                {
                    throw origins.Error($"Invalid value '{value}' for {name}: {error}.", name);
                }

                AddNoEffectWarning(warnings, topicDef, value);
            }
            else
            {
                warnings.Add(origins.Of(name) is { } where ? $"{where}: unknown config '{name}' is ignored." : $"Unknown config '{name}' is ignored.");
            }

            values[name] = value;
        }

        return new BrokerConfig(values, warnings, origins);
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

    private List<Listener> ParseListeners(string name, string value, bool checkPorts)
    {
        var result = new List<Listener>();
        foreach (var item in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Listener.TryParse(item, out var listener, out var error))
            {
                throw Origins.Error($"Invalid value for {name}: {error}. Use NAME://host:port, e.g. PLAINTEXT://localhost:9092.", name);
            }

            foreach (var other in result)
            {
                if (SameName(other.Name, listener.Name))
                {
                    throw Origins.Error($"Each listener must have a different name: {name} has {other} and {listener}.", name);
                }

                // As Kafka: one port may serve one IPv4 and one IPv6 listener, nothing else.
                if (checkPorts && listener.Port != 0 && other.Port == listener.Port && !IsIpv4AndIpv6(other, listener, result))
                {
                    throw Origins.Error($"Each listener must have a different port unless exactly one listener has an IPv4 address and the other IPv6 address: {name} has {other} and {listener}, port {listener.Port}.", name);
                }
            }

            result.Add(listener);
        }

        if (result.Count == 0)
        {
            throw Origins.Error($"{name} is empty. Use NAME://host:port, e.g. PLAINTEXT://localhost:9092.", name);
        }

        return result;
    }

    private static bool IsIpv4AndIpv6(Listener a, Listener b, List<Listener> all)
    {
        if (!System.Net.IPAddress.TryParse(a.Host, out var x) || !System.Net.IPAddress.TryParse(b.Host, out var y) || x.AddressFamily == y.AddressFamily)
        {
            return false;
        }

        var onPort = 0;
        foreach (var l in all)
        {
            onPort += l.Port == a.Port ? 1 : 0;
        }

        return onPort == 1;
    }

    internal static bool SameName(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

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
