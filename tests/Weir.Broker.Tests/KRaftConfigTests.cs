using Weir.Broker.Config;

namespace Weir.Broker.Tests;

/// <summary>
/// The KRaft settings as Kafka 4 users write them: parsed, validated with Kafka's rules, exposed typed,
/// and every mistake names the line of the file to fix.
/// </summary>
public sealed class KRaftConfigTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "weir-kraftcfg-" + Guid.NewGuid().ToString("N"));

    public KRaftConfigTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (string Path, ConfigException Error) Refused(string text)
    {
        var path = Write(text);
        return (path, Assert.Throws<ConfigException>(() => BrokerConfig.Load(path)));
    }

    private string Write(string text)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".properties");
        File.WriteAllText(path, text + $"\nlog.dirs={Path.Combine(_dir, "data")}\n");
        return path;
    }

    private BrokerConfig Load(string text) => BrokerConfig.Load(Write(text));

    [Fact]
    public void Properties_keep_the_line_each_key_starts_on_and_the_lines_it_shadows()
    {
        var entries = PropertiesFile.ParseWithLines("# comment\n\na=1\nb = two \\\n   lines\n! other\nc:3\na=4\n");
        Assert.Equal(8, entries["a"].Line);
        Assert.Equal([3], entries["a"].Shadowed);
        Assert.Equal("4", entries["a"].Value);
        Assert.Equal(("two lines", 4), (entries["b"].Value, entries["b"].Line));
        Assert.Equal(7, entries["c"].Line);
    }

    [Fact]
    public void A_key_set_twice_warns_with_both_lines()
    {
        var config = Load("num.partitions=2\nnum.partitions=3");
        Assert.Equal(3, config.NumPartitions);
        Assert.Contains(config.Warnings, w => w.Contains("num.partitions is set more than once", StringComparison.Ordinal) && w.Contains("(lines 1 and 2): line 2 wins", StringComparison.Ordinal));
    }

    [Theory]
    // node.id and its alias broker.id
    [InlineData("node.id=1\nbroker.id=2", 1, "You must set `node.id` to the same value as `broker.id`: node.id=1 but broker.id=2")]
    [InlineData("process.roles=broker,controller\ncontroller.quorum.bootstrap.servers=localhost:9092", 1, "Missing required configuration `node.id`")]
    [InlineData("process.roles=broker,broker\nnode.id=1", 1, "Duplicate role names found in `process.roles`")]
    [InlineData("process.roles=zookeeper\nnode.id=1", 1, "Invalid value 'zookeeper' for process.roles")]
    // controller.quorum.voters
    [InlineData("controller.quorum.voters=1@localhost:9092,1@localhost:9093", 1, "names node id 1 more than once (1@localhost:9092 and 1@localhost:9093)")]
    [InlineData("node.id=1\n\ncontroller.quorum.voters=localhost:9092", 3, "Each entry should be in the form `{id}@{host}:{port}`")]
    [InlineData("controller.quorum.voters=one@localhost:9092", 1, "Failed to parse voter ID as a non-negative integer from one")]
    [InlineData("controller.quorum.voters=1@localhost", 1, "Failed to parse host name or port from entry 1@localhost")]
    [InlineData("controller.quorum.voters=1@0.0.0.0:9092", 1, "Host string (0.0.0.0) is not routeable")]
    [InlineData("node.id=3\ncontroller.quorum.voters=1@localhost:9092,2@localhost:9093", 2, "If process.roles contains the 'controller' role, the node id 3 must be included in the set of voters controller.quorum.voters=[1, 2]")]
    [InlineData("controller.quorum.voters=1@localhost:9093", 1, "controller.quorum.voters gives this node (1@localhost:9093) port 9093, but its controller shares the client listener PLAINTEXT://localhost:9092")]
    // controller.quorum.bootstrap.servers
    [InlineData("controller.quorum.bootstrap.servers=localhost", 1, "Failed to parse host name or port from localhost for the configuration controller.quorum.bootstrap.servers")]
    [InlineData("controller.quorum.voters=1@localhost:9092\ncontroller.quorum.bootstrap.servers=localhost:9092", 1, "Set controller.quorum.voters (a static quorum) or controller.quorum.bootstrap.servers (a dynamic KIP-853 quorum), not both")]
    // a quorum is required with process.roles, as in Kafka
    [InlineData("process.roles=broker\nnode.id=2", 1, "If using process.roles, either controller.quorum.bootstrap.servers must contain the set of bootstrap controllers or controller.quorum.voters must contain a parseable set of controllers")]
    [InlineData("process.roles=broker\nnode.id=1\ncontroller.quorum.voters=1@localhost:9093", 3, "If process.roles contains just the 'broker' role, the node id 1 must not be included in the set of voters")]
    [InlineData("process.roles=broker\nnode.id=2\ncontroller.quorum.voters=1@localhost:9093\ncontroller.quorum.auto.join.enable=true", 4, "controller.quorum.auto.join.enable is only supported when process.roles contains the 'controller' role")]
    [InlineData("process.roles=broker\nnode.id=2\ncontroller.quorum.voters=1@localhost:9093\nlisteners=PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093", 4, "controller.listener.names must not contain a value appearing in the 'listeners' configuration when running KRaft with just the broker role")]
    // the controller listener
    [InlineData("controller.listener.names=CONTROLLER\nlisteners=PLAINTEXT://localhost:9092", 1, "controller.listener.names must only contain values appearing in the 'listeners' configuration when running the KRaft controller role: CONTROLLER is not in listeners=PLAINTEXT://localhost:9092")]
    [InlineData("listeners=CONTROLLER://localhost:9093", 1, "There must be at least one broker listener")]
    [InlineData("listeners=PLAINTEXT://localhost:9092\nadvertised.listeners=PLAINTEXT://localhost:9092,SECOND://localhost:9094", 2, "advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. Found SECOND")]
    // listeners
    [InlineData("listeners=PLAINTEXT://localhost:9092,PLAINTEXT://localhost:9094", 1, "Each listener must have a different name")]
    [InlineData("listeners=PLAINTEXT://localhost:9092,CONTROLLER://localhost:9092", 1, "Each listener must have a different port unless exactly one listener has an IPv4 address and the other IPv6 address")]
    [InlineData("listeners=PLAINTEXT://localhost:9092\nadvertised.listeners=PLAINTEXT://0.0.0.0:9092", 2, "advertised.listeners cannot use the nonroutable meta-address 0.0.0.0")]
    [InlineData("listeners=PLAINTEXT://localhost:9092\ninter.broker.listener.name=INTERNAL", 2, "inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are PLAINTEXT")]
    [InlineData("inter.broker.listener.name=PLAINTEXT\nsecurity.inter.broker.protocol=PLAINTEXT", 1, "Only one of inter.broker.listener.name and security.inter.broker.protocol should be set")]
    [InlineData("controller.quorum.election.timeout.ms=soon", 1, "Invalid value 'soon' for controller.quorum.election.timeout.ms: must be a 32-bit integer")]
    public void A_config_mistake_stops_start_up_naming_the_line_to_fix(string text, int line, string message)
    {
        var (path, error) = Refused(text);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.StartsWith($"{path} line {line}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_override_is_named_as_the_place_to_fix()
    {
        var path = Write("node.id=1");
        var error = Assert.Throws<ConfigException>(() => BrokerConfig.Load(path, new Dictionary<string, string> { ["broker.id"] = "2" }));
        Assert.StartsWith($"{path} line 1, --override broker.id: You must set `node.id`", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_process_roles_a_node_is_a_combined_single_node_with_no_quorum_to_configure()
    {
        var config = BrokerConfig.FromProperties(new Dictionary<string, string> { ["listeners"] = "PLAINTEXT://127.0.0.1:0", ["log.dirs"] = _dir });
        Assert.Equal(ProcessRoles.Combined, config.ProcessRoles);
        Assert.False(config.HasExplicitProcessRoles);
        Assert.Equal(1, config.NodeId);
        Assert.True(config.Quorum.IsUnset);
        Assert.True(config.ControllerSharesClientListener);
        Assert.True(config.QuorumIsThisNodeAlone);
        Assert.Null(config.UnsupportedTopology());
        Assert.Equal("PLAINTEXT", config.InterBrokerListenerName);
        Assert.Empty(config.Warnings);
    }

    [Fact]
    public void Broker_id_alone_is_the_node_id_and_equal_ids_are_accepted()
    {
        Assert.Equal(5, Load("broker.id=5").NodeId);
        Assert.Equal(5, Load("node.id=5\nbroker.id=5").NodeId);
    }

    [Fact]
    public void Kafka_4s_own_sample_config_is_accepted_and_its_controller_listener_never_reaches_clients()
    {
        var config = Load(
            "process.roles=broker,controller\nnode.id=1\ncontroller.quorum.bootstrap.servers=localhost:9093\n" +
            "listeners=PLAINTEXT://:9092,CONTROLLER://:9093\ninter.broker.listener.name=PLAINTEXT\n" +
            "advertised.listeners=PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093\ncontroller.listener.names=CONTROLLER\n" +
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL");
        Assert.Equal(ProcessRoles.Combined, config.ProcessRoles);
        Assert.Equal([new Listener("PLAINTEXT", "localhost", 9092)], config.AdvertisedListeners);
        Assert.Equal([new Listener("PLAINTEXT", "", 9092)], config.ClientListeners);
        Assert.Equal(new Listener("CONTROLLER", "localhost", 9093), config.ControllerEndpoint);
        Assert.False(config.ControllerSharesClientListener);
        Assert.True(config.Quorum.IsDynamic);
        Assert.Equal([new QuorumEndpoint("localhost", 9093)], config.Quorum.BootstrapServers);
        Assert.True(config.QuorumIsThisNodeAlone);
        Assert.Null(config.UnsupportedTopology());
    }

    [Fact]
    public void Quorum_and_replication_settings_are_typed_with_Kafkas_defaults()
    {
        var defaults = Load("node.id=1");
        Assert.Equal((1000, 2000, 1000, 2000, 20, 25, false), (defaults.Quorum.ElectionTimeoutMs, defaults.Quorum.FetchTimeoutMs, defaults.Quorum.ElectionBackoffMaxMs,
            defaults.Quorum.RequestTimeoutMs, defaults.Quorum.RetryBackoffMs, defaults.Quorum.AppendLingerMs, defaults.Quorum.AutoJoin));
        Assert.Equal((9000, 2000, 30000L, 1, false, (short)3, (short)1, (string?)null),
            (defaults.BrokerSessionTimeoutMs, defaults.BrokerHeartbeatIntervalMs, defaults.ReplicaLagTimeMaxMs, defaults.MinInsyncReplicas,
             defaults.UncleanLeaderElectionEnable, defaults.OffsetsTopicReplicationFactor, defaults.DefaultReplicationFactor, defaults.BrokerRack));

        var set = Load(
            "node.id=1\ncontroller.quorum.voters=1@localhost:9092\ncontroller.quorum.election.timeout.ms=1500\ncontroller.quorum.fetch.timeout.ms=3000\n" +
            "controller.quorum.election.backoff.max.ms=500\ncontroller.quorum.auto.join.enable=true\nbroker.session.timeout.ms=12000\nbroker.heartbeat.interval.ms=3000\n" +
            "replica.lag.time.max.ms=10000\nmin.insync.replicas=2\nunclean.leader.election.enable=true\noffsets.topic.replication.factor=1\ndefault.replication.factor=3\nbroker.rack=r1");
        Assert.Equal([new QuorumVoter(1, "localhost", 9092)], set.Quorum.StaticVoters);
        Assert.Equal((1500, 3000, 500, true), (set.Quorum.ElectionTimeoutMs, set.Quorum.FetchTimeoutMs, set.Quorum.ElectionBackoffMaxMs, set.Quorum.AutoJoin));
        Assert.Equal((12000, 3000, 10000L, 2, true, (short)1, (short)3, (string?)"r1"),
            (set.BrokerSessionTimeoutMs, set.BrokerHeartbeatIntervalMs, set.ReplicaLagTimeMaxMs, set.MinInsyncReplicas,
             set.UncleanLeaderElectionEnable, set.OffsetsTopicReplicationFactor, set.DefaultReplicationFactor, set.BrokerRack));

        // Accepted, and each says it has no effect yet rather than being silently ignored.
        foreach (var name in new[] { "controller.quorum.election.timeout.ms", "controller.quorum.fetch.timeout.ms", "controller.quorum.election.backoff.max.ms", "controller.quorum.auto.join.enable", "broker.session.timeout.ms", "broker.heartbeat.interval.ms", "replica.lag.time.max.ms", "unclean.leader.election.enable", "broker.rack" })
        {
            Assert.Single(set.Warnings, w => w.StartsWith($"{name} has no effect yet in Weir: ", StringComparison.Ordinal));
        }

        // min.insync.replicas is in force (acks=all waits for it), so it does not warn.
        Assert.DoesNotContain(set.Warnings, w => w.StartsWith("min.insync.replicas ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_heartbeat_longer_than_half_the_session_timeout_warns_as_Kafka_logs()
    {
        var config = Load("broker.session.timeout.ms=3000\nbroker.heartbeat.interval.ms=2000");
        Assert.Contains(config.Warnings, w => w.StartsWith("broker.heartbeat.interval.ms (2000 ms) must be less than or equal to half of the broker.session.timeout.ms (3000 ms)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("process.roles=broker,controller\nnode.id=1\ncontroller.quorum.voters=1@localhost:9092", true)]
    [InlineData("process.roles=broker,controller\nnode.id=1\ncontroller.quorum.voters=1@127.0.0.1:9092", true)]
    [InlineData("process.roles=broker,controller\nnode.id=1\ncontroller.quorum.bootstrap.servers=localhost:9092", true)]
    [InlineData("node.id=1\ncontroller.quorum.voters=1@localhost:9092,2@localhost:9093,3@localhost:9094", false)]
    [InlineData("process.roles=broker,controller\nnode.id=1\ncontroller.quorum.bootstrap.servers=localhost:9092,localhost:9093,localhost:9094", false)]
    [InlineData("process.roles=broker,controller\nnode.id=1\ncontroller.quorum.bootstrap.servers=example.invalid:9092", false)]
    public void Until_clustering_lands_only_a_quorum_of_this_node_alone_starts(string text, bool starts)
    {
        var path = Write(text + "\nlisteners=PLAINTEXT://localhost:9092");
        var config = BrokerConfig.Load(path);
        Assert.Equal(starts, config.QuorumIsThisNodeAlone);
        var refusal = config.UnsupportedTopology();
        if (starts)
        {
            Assert.Null(refusal);
            return;
        }

        Assert.NotNull(refusal);
        Assert.StartsWith($"{path} line ", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("names other controllers than this node (1@localhost:9092): multi-node clusters are not supported yet by this build", refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("process.roles=broker\nnode.id=2\ncontroller.quorum.voters=1@localhost:9093", "process.roles=broker: a broker-only node needs controllers on other nodes, and multi-node clusters are not supported yet by this build")]
    [InlineData("process.roles=controller\nnode.id=1\ncontroller.quorum.voters=1@localhost:9093\nlisteners=CONTROLLER://localhost:9093", "process.roles=controller: a controller-only node serves no clients")]
    public void Nodes_without_both_roles_are_refused_until_clustering_lands(string text, string message)
    {
        var config = Load(text);
        var refusal = Assert.Throws<ConfigException>(config.EnsureSupportedByThisBuild);
        Assert.Contains(message, refusal.Message, StringComparison.Ordinal);
        Assert.Contains(" line 1: ", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_shipped_sample_server_properties_is_a_single_node_that_starts_today_without_warnings()
    {
        var sample = Path.Combine(RepoRoot(), "config", "server.properties");
        var config = BrokerConfig.Load(sample);
        Assert.Equal(ProcessRoles.Combined, config.ProcessRoles);
        Assert.True(config.HasExplicitProcessRoles);
        Assert.Equal(1, config.NodeId);
        Assert.Equal([new Listener("PLAINTEXT", "localhost", 9092)], config.ClientListeners);
        Assert.True(config.ControllerSharesClientListener);
        Assert.Equal(["/tmp/kraft-combined-logs"], config.LogDirs);
        Assert.Equal(1, config.NumPartitions);
        Assert.Equal((short)1, config.OffsetsTopicReplicationFactor);
        Assert.Null(config.UnsupportedTopology());
        Assert.Empty(config.Warnings);
        var text = File.ReadAllText(sample);
        Assert.DoesNotContain(":9093", text.Split('\n').Where(l => !l.StartsWith('#')).Aggregate(string.Empty, (a, l) => a + l + "\n"), StringComparison.Ordinal);
        Assert.Contains("#controller.quorum.bootstrap.servers=localhost:9092,localhost:9093,localhost:9094", text, StringComparison.Ordinal);
    }

    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Weir.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (Weir.slnx) above " + AppContext.BaseDirectory);
    }
}
