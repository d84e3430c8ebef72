using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;

namespace Weir.Broker.Config;

/// <summary>
/// The KRaft side of the broker config: process.roles, node.id, the controller listener and the
/// controller quorum, validated with Kafka's rules (KafkaConfig.validateValues) and Kafka's messages,
/// each prefixed with the line to fix.
/// </summary>
public sealed partial class BrokerConfig
{
    private const string RolesName = "process.roles";

    /// <summary>process.roles; <see cref="ProcessRoles.Combined"/> when not set (Weir's single node).</summary>
    public ProcessRoles ProcessRoles { get; }

    /// <summary>True when process.roles was given: the config is written for Kafka's KRaft mode.</summary>
    public bool HasExplicitProcessRoles => IsExplicit(RolesName);

    public IReadOnlyList<string> ControllerListenerNames { get; }

    /// <summary>The listeners named in controller.listener.names (none when the controller shares a client listener).</summary>
    public IReadOnlyList<Listener> ControllerListeners { get; }

    /// <summary>The controller listeners as advertised (advertised.listeners' entry of the same name, else the listener).</summary>
    public IReadOnlyList<Listener> AdvertisedControllerListeners { get; }

    public ControllerQuorumConfig Quorum { get; }

    /// <summary>The listener other brokers use to reach this one (inter.broker.listener.name).</summary>
    public string InterBrokerListenerName { get; }

    /// <summary>
    /// Weir's: a node with the controller role but no listener named in controller.listener.names serves
    /// controller traffic on its first client listener, so a tutorial's one-port-per-node layout works.
    /// </summary>
    public bool ControllerSharesClientListener => ProcessRoles.HasFlag(ProcessRoles.Controller) && ControllerListeners.Count == 0;

    /// <summary>Where other nodes reach this node's controller (null on a broker-only node).</summary>
    public Listener? ControllerEndpoint =>
        !ProcessRoles.HasFlag(ProcessRoles.Controller) ? null
        : AdvertisedControllerListeners.Count > 0 ? AdvertisedControllerListeners[0]
        : AdvertisedListeners.Count > 0 ? AdvertisedListeners[0] : null;

    public string? BrokerRack => Get("broker.rack");

    public int BrokerSessionTimeoutMs => GetInt("broker.session.timeout.ms");

    public int BrokerHeartbeatIntervalMs => GetInt("broker.heartbeat.interval.ms");

    public long ReplicaLagTimeMaxMs => GetLong("replica.lag.time.max.ms");

    public int MinInsyncReplicas => GetInt("min.insync.replicas");

    public bool UncleanLeaderElectionEnable => GetBool("unclean.leader.election.enable");

    public short OffsetsTopicReplicationFactor => short.Parse(Get("offsets.topic.replication.factor")!, CultureInfo.InvariantCulture);

    /// <summary>True when the controller quorum is this node alone: none configured, or voters / bootstrap servers that are all this node.</summary>
    public bool QuorumIsThisNodeAlone
    {
        get
        {
            if (ProcessRoles != ProcessRoles.Combined)
            {
                return false;
            }

            foreach (var voter in Quorum.StaticVoters)
            {
                if (voter.NodeId != NodeId || !IsThisNode(voter.Host, voter.Port))
                {
                    return false;
                }
            }

            foreach (var server in Quorum.BootstrapServers)
            {
                if (!IsThisNode(server.Host, server.Port))
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>
    /// Why this build cannot run this config (null when it can): until clustering lands only a combined
    /// node whose quorum is itself starts. Kept apart from validation so <c>weir storage format</c> can
    /// format a cluster's nodes today.
    /// </summary>
    public ConfigException? UnsupportedTopology()
    {
        const string NotYet = "multi-node clusters are not supported yet by this build";
        if (ProcessRoles == ProcessRoles.Broker)
        {
            return Origins.Error($"process.roles=broker: a broker-only node needs controllers on other nodes, and {NotYet}. Use process.roles=broker,controller.", RolesName);
        }

        if (ProcessRoles == ProcessRoles.Controller)
        {
            return Origins.Error($"process.roles=controller: a controller-only node serves no clients and needs brokers on other nodes, and {NotYet}. Use process.roles=broker,controller.", RolesName);
        }

        if (QuorumIsThisNodeAlone)
        {
            return null;
        }

        var self = ControllerEndpoint is { } e ? $"{NodeId}@{QuorumEndpoint.Format(e.Host.Length == 0 ? "localhost" : e.Host, e.Port)}" : NodeId.ToString(CultureInfo.InvariantCulture);
        return Quorum.StaticVoters.Count > 0
            ? Origins.Error($"{ControllerQuorumConfig.VotersName}={string.Join(',', Quorum.StaticVoters)} names other controllers than this node ({self}): {NotYet}. Name only this node, or leave it out.", ControllerQuorumConfig.VotersName)
            : Origins.Error($"{ControllerQuorumConfig.BootstrapName}={string.Join(',', Quorum.BootstrapServers)} names other controllers than this node ({self}): {NotYet}. Name only this node's own address, or leave it out.", ControllerQuorumConfig.BootstrapName);
    }

    /// <summary>Throws <see cref="UnsupportedTopology"/>'s refusal, if any.</summary>
    public void EnsureSupportedByThisBuild()
    {
        if (UnsupportedTopology() is { } refusal)
        {
            throw refusal;
        }
    }

    /// <summary>Whether host:port is this node's controller endpoint: its port, and a name or address of this machine.</summary>
    public bool IsThisNode(string host, int port)
    {
        var endpoint = ControllerEndpoint;
        if (endpoint is null || port == 0 || port != endpoint.Port)
        {
            // A listener on an ephemeral port cannot be named in advance; the bound port is checked nowhere else.
            return false;
        }

        if (SameName(host, endpoint.Host) || host is "localhost" || SameName(host, Dns.GetHostName()) || SameName(host, Environment.MachineName))
        {
            return true;
        }

        if (!IPAddress.TryParse(host, out var address))
        {
            return false;
        }

        if (IPAddress.IsLoopback(address))
        {
            return true;
        }

        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
                {
                    if (unicast.Address.Equals(address))
                    {
                        return true;
                    }
                }
            }
        }
        catch (NetworkInformationException)
        {
        }

        return false;
    }

    private bool IsControllerListener(string name)
    {
        foreach (var c in ControllerListenerNames)
        {
            if (SameName(c, name))
            {
                return true;
            }
        }

        return false;
    }

    private ProcessRoles ParseRoles()
    {
        if (!IsExplicit(RolesName))
        {
            return ProcessRoles.Combined;
        }

        var roles = ProcessRoles.None;
        var names = GetList(RolesName);
        foreach (var name in names)
        {
            var role = name == "broker" ? ProcessRoles.Broker : ProcessRoles.Controller;
            if (roles.HasFlag(role))
            {
                throw Origins.Error($"Duplicate role names found in `process.roles`: {string.Join(", ", names)}.", RolesName);
            }

            roles |= role;
        }

        return roles == ProcessRoles.None
            ? throw Origins.Error("process.roles is empty: use broker,controller (a combined node), broker or controller. ZooKeeper mode does not exist in Kafka 4 or Weir.", RolesName)
            : roles;
    }

    private int ResolveNodeId()
    {
        var hasNode = IsExplicit("node.id");
        var hasBroker = IsExplicit("broker.id");
        if (hasNode && hasBroker && GetInt("node.id") != GetInt("broker.id"))
        {
            throw Origins.Error($"You must set `node.id` to the same value as `broker.id`: node.id={GetInt("node.id")} but broker.id={GetInt("broker.id")}. broker.id is an alias of node.id; set one of them.", "node.id", "broker.id");
        }

        if (hasBroker && !hasNode && GetInt("broker.id") < 0)
        {
            throw Origins.Error("broker.id=-1 (a generated id) existed only in ZooKeeper mode: set node.id (or broker.id) to this node's own non-negative id.", "broker.id");
        }

        if (!hasNode && !hasBroker && HasExplicitProcessRoles)
        {
            throw Origins.Error("Missing required configuration `node.id` which has no default value: with process.roles set, every node needs its own node.id (broker.id is an alias).", RolesName);
        }

        return hasNode ? GetInt("node.id") : hasBroker ? GetInt("broker.id") : GetInt("node.id");
    }

    private void CheckAdvertised(List<Listener> advertised)
    {
        foreach (var l in advertised)
        {
            if (l.Host == "0.0.0.0")
            {
                throw Origins.Error($"advertised.listeners cannot use the nonroutable meta-address 0.0.0.0 ({l}). Use a routable IP address.", "advertised.listeners");
            }

            if (!Listeners.Any(x => SameName(x.Name, l.Name)))
            {
                throw Origins.Error(
                    $"advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. Found {l.Name}. The valid options based on the current configuration are {string.Join(',', Listeners.Select(x => x.Name))}.",
                    "advertised.listeners", "listeners");
            }
        }
    }

    private void ValidateKRaft()
    {
        var voterIds = Quorum.StaticVoters.Select(v => v.NodeId).ToList();
        var voterSet = $"{ControllerQuorumConfig.VotersName}=[{string.Join(", ", voterIds)}]";
        if (HasExplicitProcessRoles && Quorum.IsUnset)
        {
            throw Origins.Error(
                $"If using process.roles, either {ControllerQuorumConfig.BootstrapName} must contain the set of bootstrap controllers or {ControllerQuorumConfig.VotersName} must contain a parseable set of controllers. " +
                $"For a single node, {ControllerQuorumConfig.BootstrapName}=localhost:9092 (its own listener) will do.",
                RolesName);
        }

        if (ProcessRoles == ProcessRoles.Broker)
        {
            if (voterIds.Contains(NodeId))
            {
                throw Origins.Error($"If process.roles contains just the 'broker' role, the node id {NodeId} must not be included in the set of voters {voterSet}.", ControllerQuorumConfig.VotersName, RolesName);
            }

            if (ControllerListenerNames.Count == 0)
            {
                throw Origins.Error("controller.listener.names must contain at least one value when running KRaft with just the broker role.", "controller.listener.names", RolesName);
            }

            if (ControllerListeners.Count > 0)
            {
                throw Origins.Error("controller.listener.names must not contain a value appearing in the 'listeners' configuration when running KRaft with just the broker role.", "listeners", "controller.listener.names");
            }

            if (Quorum.AutoJoin)
            {
                throw Origins.Error("controller.quorum.auto.join.enable is only supported when process.roles contains the 'controller' role.", "controller.quorum.auto.join.enable");
            }

            return;
        }

        if (voterIds.Count > 0 && !voterIds.Contains(NodeId))
        {
            throw Origins.Error($"If process.roles contains the 'controller' role, the node id {NodeId} must be included in the set of voters {voterSet}.", ControllerQuorumConfig.VotersName, "node.id", "broker.id");
        }

        if (IsExplicit("controller.listener.names"))
        {
            foreach (var name in ControllerListenerNames)
            {
                if (!Listeners.Any(l => SameName(l.Name, name)))
                {
                    throw Origins.Error(
                        $"controller.listener.names must only contain values appearing in the 'listeners' configuration when running the KRaft controller role: {name} is not in listeners={string.Join(',', Listeners)}.",
                        "controller.listener.names", "listeners");
                }
            }
        }

        if (ProcessRoles == ProcessRoles.Controller && ClientListeners.Count > 0)
        {
            throw Origins.Error("The listeners config must only contain KRaft controller listeners from controller.listener.names when process.roles=controller.", "listeners");
        }

        // The static voter entry for this node must be where its controller listens, or no one can reach it.
        var own = Quorum.StaticVoters.FirstOrDefault(v => v.NodeId == NodeId);
        if (own is not null && ControllerEndpoint is { } endpoint && endpoint.Port != 0 && own.Port != endpoint.Port)
        {
            var hint = ControllerSharesClientListener
                ? $"its controller shares the client listener {endpoint} because no listener is named in controller.listener.names ({string.Join(',', ControllerListenerNames)}): add {(ControllerListenerNames.Count > 0 ? ControllerListenerNames[0] : "CONTROLLER")}://{own.Host}:{own.Port} to listeners, or make the entry {NodeId}@{QuorumEndpoint.Format(own.Host, endpoint.Port)}"
                : $"its controller listens on {endpoint}: make the entry {NodeId}@{QuorumEndpoint.Format(own.Host, endpoint.Port)}";
            throw Origins.Error($"{ControllerQuorumConfig.VotersName} gives this node ({own}) port {own.Port}, but {hint}.", ControllerQuorumConfig.VotersName, "listeners");
        }
    }

    private string ResolveInterBrokerListener()
    {
        var explicitName = IsExplicit("inter.broker.listener.name");
        if (explicitName && IsExplicit("security.inter.broker.protocol"))
        {
            throw Origins.Error("Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.", "inter.broker.listener.name", "security.inter.broker.protocol");
        }

        var name = explicitName ? Get("inter.broker.listener.name")! : Get("security.inter.broker.protocol")!;
        if (!ProcessRoles.HasFlag(ProcessRoles.Broker) || AdvertisedListeners.Any(l => SameName(l.Name, name)))
        {
            return name;
        }

        if (explicitName || HasExplicitProcessRoles)
        {
            throw Origins.Error(
                $"inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are {string.Join(',', AdvertisedListeners.Select(l => l.Name))}.",
                "inter.broker.listener.name", "advertised.listeners", "listeners");
        }

        // Weir's lenient default for configs without process.roles: the first client listener.
        return AdvertisedListeners[0].Name;
    }
}
