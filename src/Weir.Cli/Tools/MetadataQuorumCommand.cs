using System.CommandLine;
using System.Globalization;
using System.Text;
using Weir.Client.Admin;

namespace Weir.Cli.Tools;

/// <summary>
/// <c>weir metadata-quorum</c> = kafka-metadata-quorum.sh: <c>describe --status</c> (Kafka's summary lines) and
/// <c>describe --replication [--human-readable]</c> (Kafka's table), from DescribeQuorum through any broker.
/// add-controller and remove-controller are refused: this build's quorum is a single local voter.
/// </summary>
internal static class MetadataQuorumCommand
{
    private const string Tool = "kafka-metadata-quorum";

    private static readonly string[] ReplicationHeaders = ["NodeId", "DirectoryId", "LogEndOffset", "Lag", "LastFetchTimestamp", "LastCaughtUpTimestamp", "Status"];

    public static Command Create()
    {
        // Recursive, so the connection flags may come before the sub-command (as Kafka's usage writes them) or after it.
        var bootstrap = ToolOptions.BootstrapServer();
        bootstrap.Recursive = true;
        var commandConfig = ToolOptions.ConfigFile("--command-config", "Property file containing configs to be passed to Admin Client.");
        commandConfig.Recursive = true;
        var command = new Command("metadata-quorum", "This tool describes kraft metadata quorum status (kafka-metadata-quorum.sh).") { bootstrap, commandConfig };
        command.Subcommands.Add(Describe(bootstrap, commandConfig));
        command.Subcommands.Add(NotSupported("add-controller", "Add a controller to the KRaft controller cluster"));
        command.Subcommands.Add(NotSupported("remove-controller", "Remove a controller from the KRaft controller cluster"));
        return command;
    }

    private static Command Describe(Option<string> bootstrap, Option<string?> commandConfig)
    {
        var status = new Option<bool>("--status") { Description = "A short summary of the quorum status and the other provides detailed information about the status of replication." };
        var replication = new Option<bool>("--replication") { Description = "Detailed information about the status of replication" };
        var humanReadable = new Option<bool>("--human-readable") { Description = "Human-readable output" };
        var command = new Command("describe", "Describe the metadata quorum info") { status, replication, humanReadable };
        command.SetAction((parse, cancellationToken) => ToolRunner.RunAsync(Tool, async () =>
        {
            var wantStatus = parse.GetValue(status);
            var wantReplication = parse.GetValue(replication);
            var human = parse.GetValue(humanReadable);
            // Kafka's checks and messages, in its order.
            if (wantStatus && wantReplication)
            {
                throw new ToolException("Only one of --status or --replication should be specified with describe sub-command");
            }

            if (wantStatus && human)
            {
                throw new ToolException("The option --human-readable is only supported along with --replication");
            }

            if (!wantStatus && !wantReplication)
            {
                throw new ToolException("One of --status or --replication must be specified with describe sub-command");
            }

            await using var admin = AdminTool.Connect(parse.GetValue(bootstrap)!, parse.GetValue(commandConfig));
            if (wantStatus)
            {
                var cluster = await admin.DescribeClusterAsync(cancellationToken).ConfigureAwait(false);
                var quorum = await admin.DescribeMetadataQuorumAsync(cancellationToken).ConfigureAwait(false);
                Console.Write(Status(cluster.ClusterId, quorum));
            }
            else
            {
                var quorum = await admin.DescribeMetadataQuorumAsync(cancellationToken).ConfigureAwait(false);
                Console.Write(Replication(quorum, human, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
            }

            return 0;
        }));
        return command;
    }

    /// <summary>The sub-commands of a dynamic quorum (KIP-853): present so their use fails clearly, with exit code 1.</summary>
    private static Command NotSupported(string name, string description)
    {
        var command = new Command(name, description + " (not supported by this build yet).") { TreatUnmatchedTokensAsErrors = false };
        command.SetAction(_ =>
        {
            Console.Error.WriteLine($"{Tool}: {name} is not supported by this build yet: its metadata quorum is a single local voter, with no dynamic voter set to change.");
            return 1;
        });
        return command;
    }

    /// <summary>Kafka's describe --status lines; the largest follower lag is measured against the voter furthest behind.</summary>
    internal static string Status(string? clusterId, QuorumInfo quorum)
    {
        var leader = Leader(quorum);
        var furthest = leader;
        foreach (var voter in quorum.Voters)
        {
            if (voter.LogEndOffset < furthest.LogEndOffset)
            {
                furthest = voter;
            }
        }

        var lagTimeMs = ReferenceEquals(furthest, leader) ? 0
            : leader.LastCaughtUpTimestamp is { } l && furthest.LastCaughtUpTimestamp is { } f ? l - f : -1;
        var text = new StringBuilder();
        Line(text, "ClusterId:", clusterId ?? "null");
        Line(text, "LeaderId:", Num(quorum.LeaderId));
        Line(text, "LeaderEpoch:", Num(quorum.LeaderEpoch));
        Line(text, "HighWatermark:", Num(quorum.HighWatermark));
        Line(text, "MaxFollowerLag:", Num(leader.LogEndOffset - furthest.LogEndOffset));
        Line(text, "MaxFollowerLagTimeMs:", Num(lagTimeMs));
        Line(text, "CurrentVoters:", Replicas(quorum, quorum.Voters));
        Line(text, "CurrentObservers:", Replicas(quorum, quorum.Observers));
        return text.ToString();

        static void Line(StringBuilder text, string label, string value) => text.Append(label.PadRight(24)).Append(value).Append('\n');
    }

    /// <summary>Kafka's describe --replication table: the leader, then the other voters, then the observers.</summary>
    internal static string Replication(QuorumInfo quorum, bool humanReadable, long nowMs)
    {
        var leader = Leader(quorum);
        var rows = new List<string[]> { ReplicationHeaders, Row(leader, "Leader") };
        foreach (var voter in quorum.Voters)
        {
            if (voter.ReplicaId != quorum.LeaderId)
            {
                rows.Add(Row(voter, "Follower"));
            }
        }

        foreach (var observer in quorum.Observers)
        {
            rows.Add(Row(observer, "Observer"));
        }

        return Table(rows);

        string[] Row(QuorumReplicaState r, string status) =>
        [
            Num(r.ReplicaId), AdminTool.UuidText(r.DirectoryId), Num(r.LogEndOffset), Num(leader.LogEndOffset - r.LogEndOffset),
            Time(r.LastFetchTimestamp, "last fetch"), Time(r.LastCaughtUpTimestamp, "last caught up"), status,
        ];

        string Time(long? timestampMs, string what)
        {
            if (timestampMs is not { } ts)
            {
                return "-1";
            }

            if (!humanReadable)
            {
                return Num(ts);
            }

            if (ts <= 0 || ts > nowMs)
            {
                throw new ToolException($"Error while computing relative time, possible drift in system clock.{Environment.NewLine}Current timestamp is {nowMs}, {what} timestamp is {ts}");
            }

            return $"{Num(nowMs - ts)} ms ago";
        }
    }

    private static QuorumReplicaState Leader(QuorumInfo quorum)
    {
        foreach (var voter in quorum.Voters)
        {
            if (voter.ReplicaId == quorum.LeaderId)
            {
                return voter;
            }
        }

        throw new ToolException($"The quorum's leader {quorum.LeaderId} is not among its voters.");
    }

    /// <summary>Kafka's JSON-like list: id, directoryId unless zero, endpoints when the broker sent any.</summary>
    private static string Replicas(QuorumInfo quorum, IReadOnlyList<QuorumReplicaState> replicas)
    {
        var text = new StringBuilder("[");
        for (var i = 0; i < replicas.Count; i++)
        {
            var r = replicas[i];
            text.Append(i == 0 ? "" : ", ").Append("{\"id\": ").Append(Num(r.ReplicaId));
            if (r.DirectoryId != Guid.Empty)
            {
                text.Append(", \"directoryId\": \"").Append(AdminTool.UuidText(r.DirectoryId)).Append('"');
            }

            if (quorum.Nodes.TryGetValue(r.ReplicaId, out var endpoints) && endpoints.Count > 0)
            {
                text.Append(", \"endpoints\": [");
                for (var e = 0; e < endpoints.Count; e++)
                {
                    text.Append(e == 0 ? "\"" : ", \"").Append(endpoints[e]).Append('"');
                }

                text.Append(']');
            }

            text.Append('}');
        }

        return text.Append(']').ToString();
    }

    /// <summary>Kafka's tool table: each cell padded to its column's width and followed by a tab.</summary>
    private static string Table(List<string[]> rows)
    {
        var widths = new int[rows[0].Length];
        foreach (var row in rows)
        {
            for (var c = 0; c < row.Length; c++)
            {
                widths[c] = Math.Max(widths[c], row[c].Length);
            }
        }

        var text = new StringBuilder();
        foreach (var row in rows)
        {
            for (var c = 0; c < row.Length; c++)
            {
                text.Append(row[c].PadRight(widths[c])).Append('\t');
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);
}
