using Weir.Broker.Config;
using Weir.Broker.Startup;
using Weir.Storage;

namespace Weir.Broker.Tests;

/// <summary>
/// kafka-storage.sh's format and info as Kafka 4's StorageTool, and what a starting broker checks in its
/// log dirs: one cluster, this node, formatted when it must be, and a .lock no one else holds.
/// </summary>
public sealed class StorageFormatTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "weir-format-" + Guid.NewGuid().ToString("N"));
    private readonly string _clusterId = KafkaUuid.NewRandom();

    public StorageFormatTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Dir(string name) => Path.Combine(_dir, name);

    private BrokerConfig Config(string text, params string[] dirs)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".properties");
        File.WriteAllText(path, text + $"\nlog.dirs={string.Join(',', dirs.Select(Dir))}\n");
        return BrokerConfig.Load(path);
    }

    private const string Combined = "process.roles=broker,controller\nnode.id=1\nlisteners=PLAINTEXT://localhost:9092\ncontroller.quorum.bootstrap.servers=localhost:9092";

    private (StorageFormatResult Result, string Output) Format(BrokerConfig config, StorageFormatOptions options)
    {
        using var output = new StringWriter();
        var result = StorageFormatter.Format(config, options, output);
        return (result, output.ToString());
    }

    [Fact]
    public void Standalone_formats_every_log_dir_and_returns_this_node_as_the_initial_voter_set()
    {
        var config = Config(Combined, "b", "a");
        BootstrapSnapshotRequest? handed = null;
        var (result, output) = Format(config, new StorageFormatOptions(_clusterId) { Standalone = true, WriteBootstrapSnapshot = r => handed = r });

        var voter = Assert.Single(result.InitialVoters!.Voters);
        Assert.Equal((1, "localhost", 9092), (voter.NodeId, voter.Host, voter.Port));
        Assert.Equal(new BootstrapSnapshotRequest(Dir("b"), result.InitialVoters, 1, "PLAINTEXT", "4.0-IV3"), handed);
        Assert.Equal((short)1, result.KRaftVersion);
        Assert.Equal(Dir("b"), result.MetadataDirectory);
        Assert.Contains($"Formatting dynamic metadata voter directory {Dir("b")} with metadata.version 4.0-IV3.", output, StringComparison.Ordinal);
        Assert.Contains($"Formatting data directory {Dir("a")} with metadata.version 4.0-IV3.", output, StringComparison.Ordinal);
        var metaB = MetaProperties.Read(Dir("b"))!;
        var metaA = MetaProperties.Read(Dir("a"))!;
        Assert.Equal((1, _clusterId, 1, voter.DirectoryId), (metaB.Version, metaB.ClusterId, metaB.NodeId, metaB.DirectoryId));
        Assert.Equal((_clusterId, 1), (metaA.ClusterId, metaA.NodeId));
        Assert.NotEqual(metaA.DirectoryId, metaB.DirectoryId);
        Assert.True(InitialController.IsUuid(metaA.DirectoryId));
    }

    [Fact]
    public void A_formatted_dir_is_refused_unless_ignore_formatted_which_formats_the_others()
    {
        Format(Config(Combined, "a"), new StorageFormatOptions(_clusterId) { Standalone = true });
        var config = Config(Combined, "a", "c");
        var refused = Assert.Throws<StorageFormatException>(() => Format(config, new StorageFormatOptions(_clusterId) { Standalone = true }));
        Assert.Equal($"Log directory {Dir("a")} is already formatted. Use --ignore-formatted to ignore this directory and format the others.", refused.Message);
        Assert.False(Directory.Exists(Dir("c")));

        var (_, output) = Format(config, new StorageFormatOptions(_clusterId) { Standalone = true, IgnoreFormatted = true });
        Assert.Contains($"Formatting data directory {Dir("c")}", output, StringComparison.Ordinal);
        Assert.Equal(_clusterId, MetaProperties.Read(Dir("c"))!.ClusterId);
        (_, output) = Format(config, new StorageFormatOptions(_clusterId) { Standalone = true, IgnoreFormatted = true });
        Assert.Equal("All of the log directories are already formatted.", output.Trim());

        var other = Assert.Throws<StorageFormatException>(() => Format(config, new StorageFormatOptions(KafkaUuid.NewRandom()) { Standalone = true, IgnoreFormatted = true }));
        Assert.StartsWith($"Invalid cluster.id in: {Path.Combine(Dir("a"), "meta.properties")}. Expected ", other.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, null, true)]
    [InlineData(true, "1@localhost:9092:JEXY6aqzQY-32P5TStzaFg", false)]
    [InlineData(false, "1@localhost:9092:JEXY6aqzQY-32P5TStzaFg", true)]
    public void The_three_controller_flags_exclude_each_other(bool standalone, string? initial, bool noInitial)
    {
        var error = Assert.Throws<StorageFormatException>(() => Format(Config(Combined, "a"), new StorageFormatOptions(_clusterId) { Standalone = standalone, InitialControllers = initial, NoInitialControllers = noInitial }));
        Assert.StartsWith("Only one of --standalone, --initial-controllers and --no-initial-controllers", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_controller_without_static_voters_needs_one_of_the_flags_and_a_broker_cannot_be_standalone()
    {
        var error = Assert.Throws<StorageFormatException>(() => Format(Config(Combined, "a"), new StorageFormatOptions(_clusterId)));
        Assert.Equal("Because controller.quorum.voters is not set on this controller, you must specify one of the following: --standalone, --initial-controllers, or --no-initial-controllers.", error.Message);
        Assert.False(Directory.Exists(Dir("a")));

        var broker = Config("process.roles=broker\nnode.id=2\ncontroller.quorum.bootstrap.servers=localhost:9093", "b");
        Assert.Equal("You can only use --standalone on a controller.", Assert.Throws<StorageFormatException>(() => Format(broker, new StorageFormatOptions(_clusterId) { Standalone = true })).Message);
        var (result, output) = Format(broker, new StorageFormatOptions(_clusterId) { NoInitialControllers = true });
        Assert.Null(result.InitialVoters);
        Assert.Contains($"Formatting metadata directory {Dir("b")} with metadata.version 4.0-IV3.", output, StringComparison.Ordinal);

        // Static voters: no flag needed, and --standalone is refused as Kafka does.
        var staticVoters = Config("process.roles=broker,controller\nnode.id=1\ncontroller.quorum.voters=1@localhost:9092", "s");
        Assert.StartsWith("You cannot specify controller.quorum.voters and format the node with --initial-controllers or --standalone.",
            Assert.Throws<StorageFormatException>(() => Format(staticVoters, new StorageFormatOptions(_clusterId) { Standalone = true })).Message, StringComparison.Ordinal);
        (result, _) = Format(staticVoters, new StorageFormatOptions(_clusterId));
        Assert.Equal((short)0, result.KRaftVersion);
    }

    [Fact]
    public void Initial_controllers_are_parsed_and_checked_as_Kafkas_DynamicVoters()
    {
        var config = Config(Combined, "a");
        var (result, output) = Format(config, new StorageFormatOptions(_clusterId) { InitialControllers = "3@[::1]:9094:07R5amHmR32VDA6jHkGbTA,1@localhost:9092:JEXY6aqzQY-32P5TStzaFg,2@localhost:9093:MvDxzVmcRsaTz33bUuRU6A" });
        Assert.Equal([1, 2, 3], result.InitialVoters!.Voters.Select(v => v.NodeId));
        Assert.Equal(new InitialController(3, "::1", 9094, "07R5amHmR32VDA6jHkGbTA"), result.InitialVoters.Voters[2]);
        Assert.Equal("JEXY6aqzQY-32P5TStzaFg", MetaProperties.Read(Dir("a"))!.DirectoryId);
        Assert.Contains("Formatting dynamic metadata voter directory", output, StringComparison.Ordinal);

        string[][] bad =
        [
            ["1@localhost:9092:JEXY6aqzQY-32P5TStzaFg,1@localhost:9093:MvDxzVmcRsaTz33bUuRU6A", "Node id 1 was specified more than once."],
            ["localhost:9092:JEXY6aqzQY-32P5TStzaFg", "No @ found in dynamic voter string."],
            ["1@localhost:9092", "No colon following port could be found."],
            ["1@localhost:99999:JEXY6aqzQY-32P5TStzaFg", "Invalid port 99999 in dynamic voter string."],
            ["1@localhost:9092:not-a-uuid", "Failed to parse directory ID in dynamic voter string."],
            ["-1@localhost:9092:JEXY6aqzQY-32P5TStzaFg", "Invalid negative node id -1 in dynamic voter string."],
        ];
        foreach (var pair in bad)
        {
            var error = Assert.Throws<StorageFormatException>(() => Format(Config(Combined, "x"), new StorageFormatOptions(_clusterId) { InitialControllers = pair[0] }));
            Assert.EndsWith(pair[1], error.Message, StringComparison.Ordinal);
        }

        Assert.StartsWith("Cluster ID string nope does not appear to be a valid UUID",
            Assert.Throws<StorageFormatException>(() => Format(config, new StorageFormatOptions("nope") { Standalone = true })).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Info_prints_the_dirs_the_metadata_and_the_problems_as_Kafka()
    {
        var config = Config(Combined, "a", "b");
        Format(Config(Combined, "a"), new StorageFormatOptions(_clusterId) { Standalone = true });
        using var output = new StringWriter();
        Assert.Equal(1, StorageFormatter.Info(config, output));
        var meta = MetaProperties.Read(Dir("a"))!;
        Assert.Equal(
            $"Found log directory:\n  {Dir("a")}\n\nFound metadata: {{cluster.id={_clusterId}, directory.id={meta.DirectoryId}, node.id=1, version=1}}\n\nFound problem:\n  {Dir("b")} does not exist\n\n",
            output.ToString().Replace("\r\n", "\n", StringComparison.Ordinal));

        Format(config, new StorageFormatOptions(_clusterId) { Standalone = true, IgnoreFormatted = true });
        using var ok = new StringWriter();
        Assert.Equal(0, StorageFormatter.Info(config, ok));
        Assert.StartsWith("Found log directories:", ok.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_start_refuses_dirs_of_two_clusters_or_of_another_node_naming_both_values()
    {
        new MetaProperties(1, "clusterA0000000000000A", 1, KafkaUuid.NewRandom()).Write(Directory.CreateDirectory(Dir("a")).FullName);
        new MetaProperties(1, "clusterB0000000000000B", 1, KafkaUuid.NewRandom()).Write(Directory.CreateDirectory(Dir("b")).FullName);
        var twoClusters = Assert.Throws<ConfigException>(() => LogDirsCheck.Verify(Config("node.id=1", "a", "b")));
        Assert.Contains($"{Path.Combine(Dir("b"), "meta.properties")} has cluster.id clusterB0000000000000B, but {Path.Combine(Dir("a"), "meta.properties")} has cluster.id clusterA0000000000000A", twoClusters.Message, StringComparison.Ordinal);

        var otherNode = Assert.Throws<ConfigException>(() => LogDirsCheck.Verify(Config("broker.id=2", "a")));
        Assert.Contains($"{Path.Combine(Dir("a"), "meta.properties")} has node.id 1, but this config's node id is 2.", otherNode.Message, StringComparison.Ordinal);
        Assert.Contains(" line 1: ", otherNode.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unformatted_dirs_are_formatted_at_start_unless_the_quorum_names_other_nodes()
    {
        // Weir's single node, with or without process.roles: the broker formats the empty dirs itself.
        LogDirsCheck.Verify(Config("node.id=1", "a"));
        LogDirsCheck.Verify(Config(Combined, "a"));
        Assert.True(LogDirsCheck.FormatsUnformattedDirs(Config(Combined, "a")));

        // A node of a larger quorum must be formatted first, with the cluster's id, as in Kafka 4.
        var cluster = Config("process.roles=broker,controller\nnode.id=1\nlisteners=PLAINTEXT://localhost:9092\ncontroller.quorum.bootstrap.servers=localhost:9092,localhost:9093", "a");
        Assert.False(LogDirsCheck.FormatsUnformattedDirs(cluster));
        var error = Assert.Throws<ConfigException>(() => LogDirsCheck.Verify(cluster));
        Assert.Contains($"No meta.properties found in {Dir("a")} (have you run kafka-storage.sh to format the directory?)", error.Message, StringComparison.Ordinal);
        Assert.Contains("bin/kafka-storage.sh format -t", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Dir("a")));

        Format(cluster, new StorageFormatOptions(_clusterId) { NoInitialControllers = true });
        LogDirsCheck.Verify(cluster);
    }

    [Fact]
    public void A_locked_log_dir_cannot_be_locked_again_until_released()
    {
        using (LogDirLocks.Acquire([Dir("a"), Dir("b")]))
        {
            Assert.True(File.Exists(Path.Combine(Dir("b"), ".lock")));
            var error = Assert.ThrowsAny<IOException>(() => LogDirLocks.Acquire([Dir("c"), Dir("b")]));
            Assert.Equal($"Failed to acquire lock on file .lock in {Dir("b")}. A Kafka instance in another process or thread is using this directory.", error.Message);
            // The dir locked before the failure is released again.
            LogDirLocks.Acquire([Dir("c")]).Dispose();
        }

        LogDirLocks.Acquire([Dir("a"), Dir("b")]).Dispose();
    }
}
