using System.Globalization;
using Weir.Client.Admin;

namespace Weir.Cli.Tests;

/// <summary>kafka-metadata-quorum.sh through bin/: Kafka's describe --status lines and --replication table, and its refusals.</summary>
public sealed class MetadataQuorumToolTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private static List<string> Lines(string output) => [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r'))];

    private Task<ProcessRunner.Result> Run(params string[] args) =>
        KafkaScripts.RunAsync("kafka-metadata-quorum.sh", ["--bootstrap-server", broker.Bootstrap, .. args]);

    private async Task<(string ClusterId, int NodeId)> ClusterAsync()
    {
        await using var admin = new KafkaAdminClient(new AdminOptions { BootstrapServers = broker.Bootstrap });
        var cluster = await admin.DescribeClusterAsync();
        return (cluster.ClusterId!, cluster.Brokers[0].Id);
    }

    [Fact]
    public async Task Describe_status_prints_Kafkas_summary_of_the_one_voter()
    {
        var (clusterId, node) = await ClusterAsync();
        var result = await Run("describe", "--status");
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = Lines(result.StdOut);
        Assert.Equal(8, lines.Count);
        Assert.Equal($"ClusterId:              {clusterId}", lines[0]);
        Assert.Equal($"LeaderId:               {node}", lines[1]);
        Assert.Equal("LeaderEpoch:            0", lines[2]);
        Assert.StartsWith("HighWatermark:          ", lines[3], StringComparison.Ordinal);
        Assert.True(long.Parse(lines[3]["HighWatermark:          ".Length..], CultureInfo.InvariantCulture) > 0, lines[3]);
        Assert.Equal("MaxFollowerLag:         0", lines[4]);
        Assert.Equal("MaxFollowerLagTimeMs:   0", lines[5]);
        Assert.Equal($"CurrentVoters:          [{{\"id\": {node}, \"endpoints\": [\"PLAINTEXT://127.0.0.1:{broker.Host.BoundEndPoints[0].Port}\"]}}]", lines[6]);
        Assert.Equal("CurrentObservers:       []", lines[7]);
    }

    [Fact]
    public async Task Describe_replication_prints_the_leader_row_of_Kafkas_table()
    {
        var (_, node) = await ClusterAsync();
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var result = await Run("describe", "--replication");
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = Lines(result.StdOut);
        Assert.Equal(2, lines.Count);
        string[] header = ["NodeId", "DirectoryId", "LogEndOffset", "Lag", "LastFetchTimestamp", "LastCaughtUpTimestamp", "Status"];
        Assert.Equal(header, lines[0].Split('\t', StringSplitOptions.RemoveEmptyEntries).Select(c => c.Trim()));
        var cells = lines[1].Split('\t');
        Assert.Equal(8, cells.Length); // each cell is followed by a tab, as in Kafka's tool table
        Assert.Equal(lines[0].IndexOf("DirectoryId", StringComparison.Ordinal), lines[1].IndexOf(cells[1], StringComparison.Ordinal));
        Assert.Equal(node.ToString(CultureInfo.InvariantCulture), cells[0].Trim());
        Assert.Equal("AAAAAAAAAAAAAAAAAAAAAA", cells[1].Trim());
        Assert.True(long.Parse(cells[2].Trim(), CultureInfo.InvariantCulture) > 0, lines[1]);
        Assert.Equal("0", cells[3].Trim());
        Assert.InRange(long.Parse(cells[4].Trim(), CultureInfo.InvariantCulture), before, after);
        Assert.InRange(long.Parse(cells[5].Trim(), CultureInfo.InvariantCulture), before, after);
        Assert.Equal("Leader", cells[6].Trim());

        var human = await Run("describe", "--replication", "--human-readable");
        Assert.True(human.ExitCode == 0, human.ToString());
        var humanCells = Lines(human.StdOut)[1].Split('\t');
        Assert.Matches(@"^\d+ ms ago$", humanCells[4].Trim());
        Assert.Matches(@"^\d+ ms ago$", humanCells[5].Trim());
    }

    [Theory]
    [InlineData("One of --status or --replication must be specified with describe sub-command", "describe")]
    [InlineData("Only one of --status or --replication should be specified with describe sub-command", "describe", "--status", "--replication")]
    [InlineData("The option --human-readable is only supported along with --replication", "describe", "--status", "--human-readable")]
    public async Task Describe_refuses_what_Kafka_refuses(string message, params string[] args)
    {
        var result = await Run(args);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"kafka-metadata-quorum: {message}", result.StdErr.Trim());
    }

    [Theory]
    [InlineData("add-controller", "--dry-run")]
    [InlineData("remove-controller", "--controller-id", "2", "--controller-directory-id", "AAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Changing_the_voter_set_is_not_supported_yet(params string[] args)
    {
        var result = await Run(args);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{args[0]} is not supported by this build yet", result.StdErr, StringComparison.Ordinal);
        Assert.Equal("", result.StdOut);
    }
}
