using System.CommandLine;
using System.Globalization;
using System.Text;
using Weir.Client;
using Weir.Client.Cluster;
using Weir.Protocol;

namespace Weir.Cli.Tools;

/// <summary><c>weir get-offsets</c> = kafka-get-offsets.sh: offsets by time per partition, printed as <c>topic:partition:offset</c>.</summary>
internal static class GetOffsetsCommand
{
    private const string Tool = "kafka-get-offsets";

    public static Command Create()
    {
        var bootstrap = ToolOptions.BootstrapServer("--broker-list");
        var commandConfig = ToolOptions.ConfigFile("--command-config", "Property file containing configs to be passed to Admin Client.");
        var topic = new Option<string?>("--topic") { Description = "The topic to get the offsets for. It also accepts a regular expression. If not present, all authorized topics are queried." };
        var partitions = new Option<string?>("--partitions") { Description = "Comma separated list of partition ids or ranges (0,2-5,7-); all partitions when absent." };
        var topicPartitions = new Option<string?>("--topic-partitions") { Description = "Comma separated list of topic-partition patterns: topic:partitions (e.g. retail:0-2)." };
        var time = new Option<string>("--time") { Description = "Timestamp of the offsets: -1 or latest, -2 or earliest, -3 or max-timestamp, or a time in ms.", DefaultValueFactory = _ => "-1" };
        var excludeInternal = new Option<bool>("--exclude-internal-topics") { Description = "Exclude internal topics (__consumer_offsets ...)." };
        var command = new Command("get-offsets", "Get offsets of topic partitions by time (kafka-get-offsets.sh).")
        {
            bootstrap, commandConfig, topic, partitions, topicPartitions, time, excludeInternal,
        };
        ToolOptions.RejectZooKeeper(command);
        command.SetAction((parse, cancellationToken) => ToolRunner.RunAsync(Tool, async () =>
        {
            var timestamp = ParseTime(parse.GetValue(time)!);
            var specs = new List<(System.Text.RegularExpressions.Regex? Topic, List<(int From, int To)>? Partitions)>();
            if (parse.GetValue(topicPartitions) is { Length: > 0 } tps)
            {
                foreach (var item in tps.Split(','))
                {
                    var colon = item.IndexOf(':', StringComparison.Ordinal);
                    specs.Add(colon < 0 ? (AdminTool.TopicFilter(item), null) : (AdminTool.TopicFilter(item[..colon]), ParseRanges(item[(colon + 1)..])));
                }
            }
            else
            {
                specs.Add((parse.GetValue(topic) is { } t ? AdminTool.TopicFilter(t) : null, parse.GetValue(partitions) is { } p ? ParseRanges(p) : null));
            }

            await using var admin = AdminTool.Connect(parse.GetValue(bootstrap)!, parse.GetValue(commandConfig));
            var listings = await admin.ListTopicsAsync(includeInternal: !parse.GetValue(excludeInternal), cancellationToken).ConfigureAwait(false);
            var names = new List<string>();
            foreach (var listing in listings)
            {
                foreach (var spec in specs)
                {
                    if (spec.Topic is null || spec.Topic.IsMatch(listing.Name))
                    {
                        names.Add(listing.Name);
                        break;
                    }
                }
            }

            var request = new Dictionary<TopicPartition, long>();
            if (names.Count > 0)
            {
                foreach (var (name, description) in await admin.DescribeTopicsAsync(names, cancellationToken).ConfigureAwait(false))
                {
                    foreach (var p in description.Partitions)
                    {
                        foreach (var spec in specs)
                        {
                            if ((spec.Topic is null || spec.Topic.IsMatch(name)) && (spec.Partitions is null || spec.Partitions.Exists(r => p.Partition >= r.From && p.Partition <= r.To)))
                            {
                                request[new TopicPartition(name, p.Partition)] = timestamp;
                                break;
                            }
                        }
                    }
                }
            }

            if (request.Count == 0)
            {
                throw new ToolException("Could not match any topic-partitions with the specified filters");
            }

            var offsets = await admin.ListOffsetsAsync(request, IsolationLevel.ReadUncommitted, cancellationToken).ConfigureAwait(false);
            var keys = new List<TopicPartition>(request.Keys);
            keys.Sort(static (a, b) => a.Topic != b.Topic ? string.CompareOrdinal(a.Topic, b.Topic) : a.Partition.CompareTo(b.Partition));
            var output = new StringBuilder();
            foreach (var tp in keys)
            {
                var listed = offsets[tp];
                if (listed.Error != ErrorCode.None)
                {
                    await Console.Error.WriteLineAsync($"Skip getting offsets for topic-partition {tp} due to error: {new KafkaException(listed.Error).Message}").ConfigureAwait(false);
                    continue;
                }

                output.Append(tp.Topic).Append(':').Append(tp.Partition.ToString(CultureInfo.InvariantCulture)).Append(':')
                    .Append(listed.Offset.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }

            Console.Write(output.ToString());
            return 0;
        }));
        return command;
    }

    private static long ParseTime(string text) => text switch
    {
        "latest" => OffsetsApi.Latest,
        "earliest" => OffsetsApi.Earliest,
        "max-timestamp" => OffsetsApi.MaxTimestamp,
        _ => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= -3
            ? value
            : throw new ToolException($"Malformed time argument {text}. Please use -1 or latest / -2 or earliest / -3 or max-timestamp, or a specified long format timestamp"),
    };

    private static List<(int From, int To)> ParseRanges(string text)
    {
        var ranges = new List<(int, int)>();
        foreach (var item in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var dash = item.IndexOf('-', StringComparison.Ordinal);
            if (dash < 0 && int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out var single))
            {
                ranges.Add((single, single));
            }
            else if (dash > 0 && int.TryParse(item[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var from)
                && (dash == item.Length - 1 || int.TryParse(item[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            {
                ranges.Add((from, dash == item.Length - 1 ? int.MaxValue : int.Parse(item[(dash + 1)..], CultureInfo.InvariantCulture)));
            }
            else
            {
                throw new ToolException($"Invalid partition range '{item}': use ids and ranges such as 0,2-5,7-.");
            }
        }

        return ranges;
    }
}
