using System.CommandLine;
using System.Globalization;
using System.Text;
using Weir.Client;
using Weir.Client.Admin;
using Weir.Client.Cluster;
using Weir.Protocol;

namespace Weir.Cli.Tools;

/// <summary><c>weir topics</c> = kafka-topics.sh: create, list, describe, alter (add partitions) and delete topics, with Kafka's flags and output.</summary>
internal static class TopicsCommand
{
    private const string Tool = "kafka-topics";

    public static Command Create()
    {
        var bootstrap = ToolOptions.BootstrapServer();
        var commandConfig = ToolOptions.ConfigFile("--command-config", "Property file containing configs to be passed to Admin Client.");
        var create = new Option<bool>("--create") { Description = "Create a new topic." };
        var list = new Option<bool>("--list") { Description = "List all available topics." };
        var describe = new Option<bool>("--describe") { Description = "List details for the given topics." };
        var alter = new Option<bool>("--alter") { Description = "Alter the number of partitions. (To alter topic configurations, the kafka-configs tool can be used.)" };
        var delete = new Option<bool>("--delete") { Description = "Delete a topic." };
        var topic = new Option<string?>("--topic") { Description = "The topic to create, alter, describe or delete. It also accepts a regular expression, except for --create option." };
        var partitions = new Option<int?>("--partitions") { Description = "The number of partitions for the topic being created or altered." };
        var replicationFactor = new Option<int?>("--replication-factor") { Description = "The replication factor for each partition in the topic being created." };
        var replicaAssignment = new Option<string?>("--replica-assignment") { Description = "Manual partition-to-broker assignments: broker1:broker2,broker1:broker2,..." };
        var config = new Option<string[]>("--config") { Description = "A topic configuration override for the topic being created (name=value, repeatable)." };
        var ifNotExists = new Option<bool>("--if-not-exists") { Description = "When creating, do not fail if the topic already exists." };
        var ifExists = new Option<bool>("--if-exists") { Description = "When altering, deleting or describing, act only if the topic exists." };
        var excludeInternal = new Option<bool>("--exclude-internal") { Description = "Exclude internal topics when listing or describing topics." };
        var underReplicated = new Option<bool>("--under-replicated-partitions") { Description = "When describing, only show under-replicated partitions." };
        var unavailable = new Option<bool>("--unavailable-partitions") { Description = "When describing, only show partitions whose leader is not available." };
        var underMinIsr = new Option<bool>("--under-min-isr-partitions") { Description = "When describing, only show partitions whose isr count is less than the configured minimum." };
        var atMinIsr = new Option<bool>("--at-min-isr-partitions") { Description = "When describing, only show partitions whose isr count is equal to the configured minimum." };
        var withOverrides = new Option<bool>("--topics-with-overrides") { Description = "When describing, only show topics that have overridden configs." };

        var command = new Command("topics", "Create, delete, describe, or change a topic (kafka-topics.sh).")
        {
            bootstrap, commandConfig, create, list, describe, alter, delete, topic, partitions, replicationFactor, replicaAssignment,
            config, ifNotExists, ifExists, excludeInternal, underReplicated, unavailable, underMinIsr, atMinIsr, withOverrides,
        };
        Option[] reports = [underReplicated, unavailable, underMinIsr, atMinIsr];
        ToolOptions.RejectZooKeeper(command);
        command.Validators.Add(result =>
        {
            var actions = 0;
            foreach (var action in new[] { create, list, describe, alter, delete })
            {
                actions += Has(result, action) ? 1 : 0;
            }

            if (actions != 1)
            {
                result.AddError("Command must include exactly one action: --list, --describe, --create, --alter or --delete");
            }
            else if ((Has(result, create) || Has(result, alter) || Has(result, delete)) && !Has(result, topic))
            {
                result.AddError("Missing required argument \"[topic]\"");
            }
            else if (Has(result, alter) && !Has(result, partitions))
            {
                result.AddError("Missing required argument \"[partitions]\"");
            }
            else if (Has(result, alter) && Has(result, config))
            {
                result.AddError("Option combination \"[bootstrap-server],[config]\" can't be used with option \"[alter]\" (To alter topic configurations, the kafka-configs tool can be used.)");
            }
            else if (Has(result, replicationFactor) && !Has(result, create))
            {
                result.AddError("Option \"[replication-factor]\" can't be used with option \"[alter]\"");
            }
            else
            {
                // As Kafka's TopicCommand: the partition reports need --describe and exclude one another.
                foreach (var report in reports)
                {
                    if (!Has(result, report))
                    {
                        continue;
                    }

                    var others = new List<string>();
                    foreach (var other in reports)
                    {
                        if (other != report && Has(result, other))
                        {
                            others.Add($"[{other.Name.TrimStart('-')}]");
                        }
                    }

                    if (!Has(result, describe) || others.Count > 0)
                    {
                        var with = Has(result, describe) ? string.Join(',', others) : "[create],[list],[alter],[delete]";
                        result.AddError($"Option \"[{report.Name.TrimStart('-')}]\" can't be used with option \"{with}\"");
                        break;
                    }
                }
            }
        });

        command.SetAction((parse, cancellationToken) => ToolRunner.RunAsync(Tool, async () =>
        {
            await using var admin = AdminTool.Connect(parse.GetValue(bootstrap)!, parse.GetValue(commandConfig));
            try
            {
                if (parse.GetValue(create))
                {
                    return await CreateAsync(admin, parse.GetValue(topic)!, parse.GetValue(partitions), parse.GetValue(replicationFactor), parse.GetValue(replicaAssignment), parse.GetValue(config), parse.GetValue(ifNotExists), cancellationToken).ConfigureAwait(false);
                }

                var exclude = parse.GetValue(excludeInternal);
                if (parse.GetValue(list))
                {
                    var names = await MatchingAsync(admin, parse.GetValue(topic), exclude, cancellationToken).ConfigureAwait(false);
                    Console.WriteLine(string.Join('\n', names));
                    return 0;
                }

                var pattern = parse.GetValue(topic);
                var topics = await MatchingAsync(admin, pattern, exclude, cancellationToken).ConfigureAwait(false);
                if (topics.Count == 0 && pattern is { Length: > 0 } && !parse.GetValue(ifExists))
                {
                    await Console.Error.WriteLineAsync($"Topic '{pattern}' does not exist as expected").ConfigureAwait(false);
                    return 1;
                }

                if (parse.GetValue(describe))
                {
                    var mode = new DescribeMode(parse.GetValue(underReplicated), parse.GetValue(unavailable), parse.GetValue(underMinIsr), parse.GetValue(atMinIsr), parse.GetValue(withOverrides));
                    await DescribeAsync(admin, topics, mode, cancellationToken).ConfigureAwait(false);
                }
                else if (parse.GetValue(alter))
                {
                    await AlterAsync(admin, topics, parse.GetValue(partitions)!.Value, parse.GetValue(replicaAssignment), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    var results = await admin.DeleteTopicsAsync(topics, cancellationToken).ConfigureAwait(false);
                    ThrowFirstError(results);
                }

                return 0;
            }
            catch (KafkaException ex)
            {
                Console.WriteLine("Error while executing topic command : " + ex.Message);
                return 1;
            }
            catch (TopicCommandException ex)
            {
                Console.WriteLine("Error while executing topic command : " + ex.Message);
                return 1;
            }
        }));
        return command;
    }

    private static bool Has(System.CommandLine.Parsing.CommandResult result, Option option) => result.GetResult(option) is { Implicit: false };

    private sealed record DescribeMode(bool UnderReplicated, bool Unavailable, bool UnderMinIsr, bool AtMinIsr, bool WithOverrides)
    {
        public bool Configs => !UnderReplicated && !Unavailable && !UnderMinIsr && !AtMinIsr;

        public bool Partitions => !WithOverrides;
    }

    private static async Task<int> CreateAsync(KafkaAdminClient admin, string name, int? partitions, int? replicationFactor, string? assignment, string[]? configs, bool ifNotExists, CancellationToken cancellationToken)
    {
        if (replicationFactor is < 1 or > short.MaxValue)
        {
            throw new ToolException($"The replication factor must be between 1 and {short.MaxValue} inclusive");
        }

        if (partitions is < 1)
        {
            throw new ToolException("The partitions must be greater than 0");
        }

        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in configs ?? [])
        {
            var parts = pair.Split('=');
            if (parts.Length != 2)
            {
                throw new ToolException("requirement failed: Invalid topic config: all configs to be added must be in the format \"key=val\".");
            }

            properties[parts[0].Trim()] = parts[1].Trim();
        }

        if (name.Contains('.', StringComparison.Ordinal) || name.Contains('_', StringComparison.Ordinal))
        {
            Console.WriteLine("WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.");
        }

        var topic = new NewTopic(name, partitions ?? -1, (short)(replicationFactor ?? -1))
        {
            Configs = properties,
            ReplicaAssignment = assignment is { Length: > 0 } ? ParseAssignment(assignment) : null,
        };
        var results = await admin.CreateTopicsAsync([topic], false, cancellationToken).ConfigureAwait(false);
        var result = results[name];
        if (result.Error == ErrorCode.TopicAlreadyExists && ifNotExists)
        {
            return 0;
        }

        ThrowFirstError(results);
        Console.WriteLine($"Created topic {name}.");
        return 0;
    }

    private static async Task AlterAsync(KafkaAdminClient admin, List<string> topics, int count, string? assignment, CancellationToken cancellationToken)
    {
        var requested = new Dictionary<string, NewPartitions>(StringComparer.Ordinal);
        foreach (var name in topics)
        {
            IReadOnlyList<IReadOnlyList<int>>? placement = null;
            if (assignment is { Length: > 0 })
            {
                // Like Kafka: the assignment lists every partition; the new ones are those past the current count.
                var current = (await admin.DescribeTopicAsync(name, cancellationToken).ConfigureAwait(false)).Partitions.Count;
                var all = ParseAssignment(assignment);
                var added = new List<IReadOnlyList<int>>();
                for (var p = current; all.TryGetValue(p, out var brokers); p++)
                {
                    added.Add(brokers);
                }

                placement = added;
            }

            requested[name] = new NewPartitions(count, placement);
        }

        ThrowFirstError(await admin.CreatePartitionsAsync(requested, false, cancellationToken).ConfigureAwait(false));
    }

    private static async Task DescribeAsync(KafkaAdminClient admin, List<string> topics, DescribeMode mode, CancellationToken cancellationToken)
    {
        if (topics.Count == 0)
        {
            return;
        }

        var descriptions = await admin.DescribeTopicsAsync(topics, cancellationToken).ConfigureAwait(false);
        var resources = new List<ConfigResource>(topics.Count);
        foreach (var name in topics)
        {
            resources.Add(ConfigResource.Topic(name));
        }

        var configs = await admin.DescribeConfigsAsync(resources, false, cancellationToken).ConfigureAwait(false);
        var live = new HashSet<int>();
        foreach (var node in (await admin.DescribeClusterAsync(cancellationToken).ConfigureAwait(false)).Brokers)
        {
            live.Add(node.Id);
        }

        var output = new StringBuilder();
        foreach (var name in topics)
        {
            var description = descriptions[name];
            KafkaException.ThrowIfError((short)description.Error, $"Topic '{name}'");
            var config = configs[ConfigResource.Topic(name)];
            KafkaException.ThrowIfError((short)config.Error, $"Topic '{name}'", config.ErrorMessage);
            var partitions = new List<PartitionMetadata>(description.Partitions);
            partitions.Sort(static (a, b) => a.Partition.CompareTo(b.Partition));

            var overrides = new List<string>();
            int? minIsr = null;
            foreach (var entry in config.Entries)
            {
                if (entry.Name == "min.insync.replicas" && int.TryParse(entry.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
                {
                    minIsr = value;
                }

                if (!entry.IsDefault)
                {
                    overrides.Add($"{entry.Name}={entry.Value}");
                }
            }

            if (mode.Configs && (!mode.WithOverrides || overrides.Count > 0))
            {
                output.Append("Topic: ").Append(name);
                if (description.TopicId != Guid.Empty)
                {
                    output.Append("\tTopicId: ").Append(AdminTool.UuidText(description.TopicId));
                }

                output.Append("\tPartitionCount: ").Append(partitions.Count.ToString(CultureInfo.InvariantCulture))
                    .Append("\tReplicationFactor: ").Append(partitions.Count > 0 ? partitions[0].Replicas.Count.ToString(CultureInfo.InvariantCulture) : "0")
                    .Append("\tConfigs: ").Append(string.Join(',', overrides)).Append('\n');
            }

            if (!mode.Partitions)
            {
                continue;
            }

            foreach (var partition in partitions)
            {
                var hasLeader = partition.Leader >= 0;
                var show = mode.Configs
                    || (mode.UnderReplicated && partition.Isr.Count < partition.Replicas.Count)
                    || (mode.Unavailable && (!hasLeader || !live.Contains(partition.Leader)))
                    || (mode.UnderMinIsr && (!hasLeader || partition.Isr.Count < minIsr))
                    || (mode.AtMinIsr && partition.Isr.Count == minIsr);
                if (!show)
                {
                    continue;
                }

                output.Append("\tTopic: ").Append(name)
                    .Append("\tPartition: ").Append(partition.Partition.ToString(CultureInfo.InvariantCulture))
                    .Append("\tLeader: ").Append(hasLeader ? partition.Leader.ToString(CultureInfo.InvariantCulture) : "none")
                    .Append("\tReplicas: ").Append(string.Join(',', partition.Replicas))
                    .Append("\tIsr: ").Append(string.Join(',', partition.Isr))
                    .Append("\tElr: N/A\tLastKnownElr: N/A\n");
            }
        }

        Console.Write(output.ToString());
    }

    /// <summary>The cluster's topics that match <paramref name="pattern"/> (all when null), in name order.</summary>
    private static async Task<List<string>> MatchingAsync(KafkaAdminClient admin, string? pattern, bool excludeInternal, CancellationToken cancellationToken)
    {
        var filter = pattern is null ? null : AdminTool.TopicFilter(pattern);
        var names = new List<string>();
        foreach (var listing in await admin.ListTopicsAsync(includeInternal: true, cancellationToken).ConfigureAwait(false))
        {
            if ((filter is null || filter.IsMatch(listing.Name)) && !(listing.IsInternal && excludeInternal))
            {
                names.Add(listing.Name);
            }
        }

        return names;
    }

    private static Dictionary<int, IReadOnlyList<int>> ParseAssignment(string text)
    {
        var result = new Dictionary<int, IReadOnlyList<int>>();
        var partitions = text.Split(',');
        for (var i = 0; i < partitions.Length; i++)
        {
            var brokers = new List<int>();
            foreach (var id in partitions[i].Split(':'))
            {
                if (!int.TryParse(id.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var broker))
                {
                    throw new ToolException($"Invalid --replica-assignment '{text}': expected broker ids like 1:2,2:3.");
                }

                if (brokers.Contains(broker))
                {
                    throw new ToolException($"Partition replica lists may not contain duplicate entries: {broker}");
                }

                brokers.Add(broker);
            }

            if (i > 0 && brokers.Count != result[0].Count)
            {
                throw new ToolException($"Partition {i} has different replication factor: [{string.Join(", ", brokers)}]");
            }

            result[i] = brokers;
        }

        return result;
    }

    private static void ThrowFirstError(IReadOnlyDictionary<string, AdminResult> results)
    {
        foreach (var (name, result) in results)
        {
            if (!result.IsSuccess)
            {
                throw new TopicCommandException(result.ErrorMessage is { Length: > 0 } ? result.ErrorMessage : new KafkaException(result.Error, $"Topic '{name}'").Message);
            }
        }
    }

    /// <summary>A request failed with the broker's own message ("Topic 'x' already exists."), printed as Kafka's tool does.</summary>
    private sealed class TopicCommandException(string message) : Exception(message);
}
