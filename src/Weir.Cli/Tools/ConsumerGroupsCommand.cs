using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Xml;
using Weir.Client;
using Weir.Client.Admin;
using Weir.Client.Cluster;
using Weir.Protocol;

namespace Weir.Cli.Tools;

/// <summary>
/// <c>weir consumer-groups</c> = kafka-consumer-groups.sh: list, describe (offsets and lag, members,
/// state), reset offsets, delete groups and delete offsets, with Kafka's flags and tables.
/// </summary>
internal static class ConsumerGroupsCommand
{
    private const string Tool = "kafka-consumer-groups";
    private const string Missing = "-";

    public static Command Create()
    {
        var bootstrap = ToolOptions.BootstrapServer();
        var commandConfig = ToolOptions.ConfigFile("--command-config", "Property file containing configs to be passed to Admin Client.");
        var list = new Option<bool>("--list") { Description = "List all consumer groups." };
        var describe = new Option<bool>("--describe") { Description = "Describe consumer group and list offset lag (number of messages not yet processed) related to given group." };
        var delete = new Option<bool>("--delete") { Description = "Pass in groups to delete topic partition offsets and ownership information over the entire consumer group." };
        var resetOffsets = new Option<bool>("--reset-offsets") { Description = "Reset offsets of consumer group. Supports one consumer group at the time, and instances should be inactive." };
        var deleteOffsets = new Option<bool>("--delete-offsets") { Description = "Delete offsets of consumer group. Supports one consumer group at the time, and multiple topics." };
        var group = new Option<string[]>("--group") { Description = "The consumer group we wish to act on." };
        var allGroups = new Option<bool>("--all-groups") { Description = "Apply to all consumer groups." };
        var topic = new Option<string[]>("--topic") { Description = "The topic whose consumer group information should be deleted or reset (topic or topic:0,1,2)." };
        var allTopics = new Option<bool>("--all-topics") { Description = "Consider all topics assigned to a group in the reset-offsets process." };
        var members = new Option<bool>("--members") { Description = "Describe members of the group." };
        var verbose = new Option<bool>("--verbose") { Description = "Provide additional information, if any, when describing the group (partition assignments of --members)." };
        var offsets = new Option<bool>("--offsets") { Description = "Describe the group and list all topic partitions in the group along with their offset lag (default)." };
        var state = new Option<string?>("--state") { Description = "With --describe: the group's state. With --list: filter by comma-separated states.", Arity = ArgumentArity.ZeroOrOne };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only show results without executing changes on consumer groups (the default)." };
        var execute = new Option<bool>("--execute") { Description = "Execute the operation." };
        var toEarliest = new Option<bool>("--to-earliest") { Description = "Reset offsets to earliest offset." };
        var toLatest = new Option<bool>("--to-latest") { Description = "Reset offsets to latest offset." };
        var toCurrent = new Option<bool>("--to-current") { Description = "Reset offsets to current offset." };
        var toOffset = new Option<long?>("--to-offset") { Description = "Reset offsets to a specific offset." };
        var shiftBy = new Option<long?>("--shift-by") { Description = "Reset offsets shifting current offset by 'n', where 'n' can be positive or negative." };
        var toDatetime = new Option<string?>("--to-datetime") { Description = "Reset offsets to offset from datetime. Format: 'YYYY-MM-DDTHH:mm:SS.sss'." };
        var byDuration = new Option<string?>("--by-duration") { Description = "Reset offsets to offset by duration from current timestamp. Format: 'PnDTnHnMnS'." };
        var timeout = new Option<int>("--timeout") { Description = "The timeout (ms) that can be set for some use cases.", DefaultValueFactory = _ => 5000 };

        var command = new Command("consumer-groups", "List, describe, reset and delete consumer groups (kafka-consumer-groups.sh).")
        {
            bootstrap, commandConfig, list, describe, delete, resetOffsets, deleteOffsets, group, allGroups, topic, allTopics, members, verbose,
            offsets, state, dryRun, execute, toEarliest, toLatest, toCurrent, toOffset, shiftBy, toDatetime, byDuration, timeout,
        };
        ToolOptions.RejectZooKeeper(command);
        command.Validators.Add(result =>
        {
            var actions = 0;
            foreach (var action in new Option[] { list, describe, delete, resetOffsets, deleteOffsets })
            {
                actions += Has(result, action) ? 1 : 0;
            }

            if (actions != 1)
            {
                result.AddError("Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets");
                return;
            }

            var groupGiven = Has(result, group) || Has(result, allGroups);
            if ((Has(result, describe) || Has(result, delete) || Has(result, resetOffsets)) && !groupGiven)
            {
                result.AddError("Option \"[describe|delete|reset-offsets]\" takes one of these options: \"[all-groups], [group]\"");
            }
            else if (Has(result, deleteOffsets) && (!Has(result, group) || !Has(result, topic)))
            {
                result.AddError("Option \"[delete-offsets]\" takes the following options: \"[group], [topic]\"");
            }
            else if (Has(result, resetOffsets))
            {
                var scenarios = 0;
                foreach (var scenario in new Option[] { toEarliest, toLatest, toCurrent, toOffset, shiftBy, toDatetime, byDuration })
                {
                    scenarios += Has(result, scenario) ? 1 : 0;
                }

                if (scenarios != 1)
                {
                    result.AddError("Option \"[reset-offsets]\" requires one of the following scenarios: [to-offset], [to-datetime], [by-duration], [to-earliest], [to-latest], [shift-by], [to-current]");
                }
                else if (!Has(result, topic) && !Has(result, allTopics))
                {
                    result.AddError("One of the reset scopes should be defined: --all-topics, --topic.");
                }
                else if (Has(result, dryRun) && Has(result, execute))
                {
                    result.AddError("Option \"[dry-run]\" can't be used with option \"[execute]\"");
                }
            }
        });

        command.SetAction((parse, cancellationToken) => ToolRunner.RunAsync(Tool, async () =>
        {
            await using var admin = AdminTool.Connect(parse.GetValue(bootstrap)!, parse.GetValue(commandConfig));
            var groups = parse.GetValue(group) ?? [];
            try
            {
                if (parse.GetValue(list))
                {
                    return await ListAsync(admin, parse.GetResult(state) is { Implicit: false }, parse.GetValue(state), cancellationToken).ConfigureAwait(false);
                }

                if (parse.GetValue(allGroups))
                {
                    groups = [.. (await ConsumerGroupsAsync(admin, null, cancellationToken).ConfigureAwait(false)).Select(g => g.GroupId)];
                }

                if (parse.GetValue(describe))
                {
                    var view = parse.GetValue(offsets) ? View.Offsets : parse.GetValue(members) ? View.Members : parse.GetResult(state) is { Implicit: false } ? View.State : View.Offsets;
                    return await DescribeAsync(admin, groups, view, parse.GetValue(verbose), cancellationToken).ConfigureAwait(false);
                }

                if (parse.GetValue(delete))
                {
                    return await DeleteAsync(admin, groups, cancellationToken).ConfigureAwait(false);
                }

                if (parse.GetValue(deleteOffsets))
                {
                    return await DeleteOffsetsAsync(admin, groups[0], parse.GetValue(topic) ?? [], cancellationToken).ConfigureAwait(false);
                }

                var plan = new ResetPlan(
                    parse.GetValue(toEarliest), parse.GetValue(toLatest), parse.GetValue(toCurrent), parse.GetValue(toOffset), parse.GetValue(shiftBy),
                    parse.GetValue(toDatetime), parse.GetValue(byDuration), parse.GetValue(allTopics), parse.GetValue(topic) ?? []);
                if (!parse.GetValue(execute) && !parse.GetValue(dryRun))
                {
                    await Console.Error.WriteLineAsync("WARN: No action will be performed as the --execute option is missing. You should add the --dry-run option explicitly if you are scripting this command and want to keep the current default behavior without prompting.").ConfigureAwait(false);
                }

                return await ResetAsync(admin, groups, plan, parse.GetValue(execute), cancellationToken).ConfigureAwait(false);
            }
            catch (KafkaException ex)
            {
                Console.WriteLine();
                Console.WriteLine("Error: Executing consumer group command failed due to " + ex.Message);
                return 1;
            }
        }));
        return command;
    }

    private enum View
    {
        Offsets,
        Members,
        State,
    }

    private sealed record ResetPlan(bool Earliest, bool Latest, bool Current, long? ToOffset, long? ShiftBy, string? Datetime, string? Duration, bool AllTopics, string[] Topics);

    private static bool Has(System.CommandLine.Parsing.CommandResult result, Option option) => result.GetResult(option) is { Implicit: false };

    private static void PrintError(string message)
    {
        Console.WriteLine();
        Console.WriteLine("Error: " + message);
    }

    /// <summary>Consumer groups only (protocol type "consumer" or none yet), as Kafka's listConsumerGroups.</summary>
    private static async Task<List<GroupListing>> ConsumerGroupsAsync(KafkaAdminClient admin, IReadOnlyCollection<string>? states, CancellationToken cancellationToken)
    {
        var result = new List<GroupListing>();
        foreach (var listing in await admin.ListGroupsAsync(states, cancellationToken).ConfigureAwait(false))
        {
            if (listing.ProtocolType is "consumer" or "")
            {
                result.Add(listing);
            }
        }

        return result;
    }

    private static async Task<int> ListAsync(KafkaAdminClient admin, bool withState, string? stateFilter, CancellationToken cancellationToken)
    {
        List<string>? states = null;
        if (stateFilter is { Length: > 0 })
        {
            states = [];
            foreach (var s in stateFilter.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var known = KnownState(s) ?? throw new ToolException($"Invalid state list '{stateFilter}'. Valid states are: PreparingRebalance, CompletingRebalance, Stable, Dead, Empty, Assigning, Reconciling");
                states.Add(known);
            }
        }

        var groups = await ConsumerGroupsAsync(admin, states, cancellationToken).ConfigureAwait(false);
        var output = new StringBuilder();
        if (!withState)
        {
            foreach (var g in groups)
            {
                output.Append(g.GroupId).Append('\n');
            }
        }
        else
        {
            var width = 15;
            foreach (var g in groups)
            {
                width = Math.Max(width, g.GroupId.Length);
            }

            width += 10;
            output.Append("GROUP".PadRight(width)).Append(' ').Append("STATE".PadRight(20)).Append('\n');
            foreach (var g in groups)
            {
                output.Append(g.GroupId.PadRight(width)).Append(' ').Append((g.State.Length > 0 ? g.State : "Unknown").PadRight(20)).Append('\n');
            }
        }

        Console.Write(output.ToString());
        return 0;
    }

    private static string? KnownState(string state)
    {
        foreach (var known in new[] { "PreparingRebalance", "CompletingRebalance", "Stable", "Dead", "Empty", "Assigning", "Reconciling" })
        {
            if (string.Equals(known, state, StringComparison.OrdinalIgnoreCase))
            {
                return known;
            }
        }

        return null;
    }

    /// <summary>Kafka's message for a group that is not Stable; false when there is nothing more to print.</summary>
    private static bool ShouldPrint(GroupDescription description, int rows)
    {
        switch (description.State)
        {
            case "Dead":
                PrintError($"Consumer group '{description.GroupId}' does not exist.");
                return false;
            case "Empty":
                Console.Error.WriteLine();
                Console.Error.WriteLine($"Consumer group '{description.GroupId}' has no active members.");
                break;
            case "PreparingRebalance" or "CompletingRebalance" or "Assigning" or "Reconciling":
                Console.Error.WriteLine();
                Console.Error.WriteLine($"Warning: Consumer group '{description.GroupId}' is rebalancing.");
                break;
        }

        return rows > 0;
    }

    private static async Task<int> DescribeAsync(KafkaAdminClient admin, string[] groupIds, View view, bool verbose, CancellationToken cancellationToken)
    {
        var descriptions = await admin.DescribeGroupsAsync(groupIds, cancellationToken).ConfigureAwait(false);
        var sorted = new List<string>(descriptions.Keys);
        sorted.Sort(StringComparer.Ordinal);
        foreach (var groupId in sorted)
        {
            var description = descriptions[groupId];
            KafkaException.ThrowIfError((short)description.Error, $"Group '{groupId}'");
            switch (view)
            {
                case View.Offsets:
                    await DescribeOffsetsAsync(admin, description, cancellationToken).ConfigureAwait(false);
                    break;
                case View.Members:
                    DescribeMembers(description, verbose);
                    break;
                default:
                    DescribeState(description);
                    break;
            }
        }

        return 0;
    }

    private static async Task DescribeOffsetsAsync(KafkaAdminClient admin, GroupDescription description, CancellationToken cancellationToken)
    {
        if (description.State == "Dead")
        {
            ShouldPrint(description, 0);
            return;
        }

        var committed = await admin.ListGroupOffsetsAsync(description.GroupId, null, cancellationToken).ConfigureAwait(false);
        var rows = new List<(TopicPartition? Partition, string Consumer, string Host, string Client)>();
        var assigned = new HashSet<TopicPartition>();
        var membersBySize = new List<GroupMember>(description.Members);
        membersBySize.Sort(static (a, b) => b.Assignment.Count.CompareTo(a.Assignment.Count));
        foreach (var member in membersBySize)
        {
            if (member.Assignment.Count == 0)
            {
                continue;
            }

            var partitions = new List<TopicPartition>(member.Assignment);
            partitions.Sort(static (a, b) => a.Partition.CompareTo(b.Partition));
            foreach (var tp in partitions)
            {
                assigned.Add(tp);
                rows.Add((tp, member.MemberId, member.Host, member.ClientId));
            }
        }

        var unassigned = new List<TopicPartition>();
        foreach (var tp in committed.Keys)
        {
            if (!assigned.Contains(tp))
            {
                unassigned.Add(tp);
            }
        }

        unassigned.Sort(static (a, b) => a.Topic != b.Topic ? string.CompareOrdinal(a.Topic, b.Topic) : a.Partition.CompareTo(b.Partition));
        foreach (var tp in unassigned)
        {
            rows.Add((tp, Missing, Missing, Missing));
        }

        if (!ShouldPrint(description, rows.Count))
        {
            return;
        }

        var request = new Dictionary<TopicPartition, long>();
        foreach (var row in rows)
        {
            request[row.Partition!.Value] = OffsetsApi.Latest;
        }

        var ends = await admin.ListOffsetsAsync(request, IsolationLevel.ReadUncommitted, cancellationToken).ConfigureAwait(false);
        int groupWidth = Math.Max(15, description.GroupId.Length), topicWidth = 15, consumerWidth = 15, hostWidth = 15;
        foreach (var row in rows)
        {
            topicWidth = Math.Max(topicWidth, row.Partition!.Value.Topic.Length);
            consumerWidth = Math.Max(consumerWidth, row.Consumer.Length);
            hostWidth = Math.Max(hostWidth, row.Host.Length);
        }

        var output = new StringBuilder("\n");
        AppendOffsetRow(output, [description.GroupId.Length > 0 ? "GROUP" : "GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID"], groupWidth, topicWidth, consumerWidth, hostWidth);
        foreach (var (partition, consumer, host, client) in rows)
        {
            var tp = partition!.Value;
            long? current = committed.TryGetValue(tp, out var c) ? c.Offset : null;
            long? end = ends.TryGetValue(tp, out var e) && e.Error == ErrorCode.None && e.Offset >= 0 ? e.Offset : null;
            var lag = current is not null && end is not null ? (end - current).ToString() : Missing;
            AppendOffsetRow(
                output,
                [description.GroupId, tp.Topic, Text(tp.Partition), current?.ToString(CultureInfo.InvariantCulture) ?? Missing, end?.ToString(CultureInfo.InvariantCulture) ?? Missing, lag ?? Missing, consumer, host, client],
                groupWidth,
                topicWidth,
                consumerWidth,
                hostWidth);
        }

        Console.Write(output.ToString());
    }

    private static void AppendOffsetRow(StringBuilder output, string[] cells, int groupWidth, int topicWidth, int consumerWidth, int hostWidth)
    {
        output.Append(cells[0].PadRight(groupWidth)).Append(' ')
            .Append(cells[1].PadRight(topicWidth)).Append(' ')
            .Append(cells[2].PadRight(10)).Append(' ')
            .Append(cells[3].PadRight(15)).Append(' ')
            .Append(cells[4].PadRight(15)).Append(' ')
            .Append(cells[5].PadRight(15)).Append(' ')
            .Append(cells[6].PadRight(consumerWidth)).Append(' ')
            .Append(cells[7].PadRight(hostWidth)).Append(' ')
            .Append(cells[8]).Append('\n');
    }

    private static void DescribeMembers(GroupDescription description, bool verbose)
    {
        if (!ShouldPrint(description, description.State == "Dead" ? 0 : 1))
        {
            return;
        }

        int groupWidth = 15, consumerWidth = 15, instanceWidth = 17, hostWidth = 15, clientWidth = 15;
        var withInstance = false;
        foreach (var m in description.Members)
        {
            groupWidth = Math.Max(groupWidth, description.GroupId.Length);
            consumerWidth = Math.Max(consumerWidth, m.MemberId.Length);
            instanceWidth = Math.Max(instanceWidth, (m.GroupInstanceId ?? "").Length);
            hostWidth = Math.Max(hostWidth, m.Host.Length);
            clientWidth = Math.Max(clientWidth, m.ClientId.Length);
            withInstance |= !string.IsNullOrEmpty(m.GroupInstanceId);
        }

        var output = new StringBuilder("\n");
        void Row(string group, string consumer, string instance, string host, string client, string count)
        {
            output.Append(group.PadRight(groupWidth)).Append(' ').Append(consumer.PadRight(consumerWidth)).Append(' ');
            if (withInstance)
            {
                output.Append(instance.PadRight(instanceWidth)).Append(' ');
            }

            output.Append(host.PadRight(hostWidth)).Append(' ').Append(client.PadRight(clientWidth)).Append(' ').Append(count.PadRight(15)).Append(' ');
        }

        Row("GROUP", "CONSUMER-ID", "GROUP-INSTANCE-ID", "HOST", "CLIENT-ID", "#PARTITIONS");
        if (verbose)
        {
            output.Append("ASSIGNMENT");
        }

        output.Append('\n');
        foreach (var m in description.Members)
        {
            Row(description.GroupId, m.MemberId, m.GroupInstanceId ?? "", m.Host, m.ClientId, Text(m.Assignment.Count));
            if (verbose)
            {
                output.Append(AssignmentText(m.Assignment));
            }

            output.Append('\n');
        }

        Console.Write(output.ToString());
    }

    /// <summary>Kafka's --verbose assignment: per topic "topic(0,1)", joined by ", ".</summary>
    private static string AssignmentText(IReadOnlyList<TopicPartition> assignment)
    {
        if (assignment.Count == 0)
        {
            return Missing;
        }

        var byTopic = new SortedDictionary<string, List<int>>(StringComparer.Ordinal);
        foreach (var tp in assignment)
        {
            if (!byTopic.TryGetValue(tp.Topic, out var partitions))
            {
                partitions = [];
                byTopic[tp.Topic] = partitions;
            }

            partitions.Add(tp.Partition);
        }

        var parts = new List<string>();
        foreach (var (topic, partitions) in byTopic)
        {
            partitions.Sort();
            parts.Add($"{topic}({string.Join(',', partitions)})");
        }

        return string.Join(", ", parts);
    }

    private static void DescribeState(GroupDescription description)
    {
        if (!ShouldPrint(description, 1))
        {
            return;
        }

        var coordinator = description.Coordinator is { } node ? $"{node.Host}:{node.Port}  ({node.Id})" : "-";
        var width = Math.Max(25, coordinator.Length);
        var output = new StringBuilder("\n");
        output.Append("GROUP".PadRight(width)).Append(' ').Append("COORDINATOR (ID)".PadRight(25)).Append(' ').Append("ASSIGNMENT-STRATEGY".PadRight(20)).Append(' ').Append("STATE".PadRight(15)).Append(" #MEMBERS\n");
        output.Append(description.GroupId.PadRight(width)).Append(' ').Append(coordinator.PadRight(25)).Append(' ').Append(description.Protocol.PadRight(20)).Append(' ').Append(description.State.PadRight(15)).Append(' ').Append(Text(description.Members.Count)).Append('\n');
        Console.Write(output.ToString());
    }

    private static async Task<int> DeleteAsync(KafkaAdminClient admin, string[] groupIds, CancellationToken cancellationToken)
    {
        var results = await admin.DeleteGroupsAsync(groupIds, cancellationToken).ConfigureAwait(false);
        var failed = new List<string>();
        var succeeded = new List<string>();
        foreach (var groupId in groupIds)
        {
            var result = results[groupId];
            if (result.IsSuccess)
            {
                succeeded.Add(groupId);
            }
            else
            {
                failed.Add($"* Group '{groupId}' could not be deleted due to: {new KafkaException(result.Error).Message}");
            }
        }

        if (failed.Count == 0)
        {
            Console.WriteLine($"Deletion of requested consumer groups ({string.Join(", ", succeeded.Select(g => $"'{g}'"))}) was successful.");
            return 0;
        }

        if (succeeded.Count > 0)
        {
            Console.WriteLine($"These consumer groups were deleted successfully: {string.Join(", ", succeeded.Select(g => $"'{g}'"))}");
        }

        PrintError("Deletion of some consumer groups failed:\n" + string.Join('\n', failed));
        return 1;
    }

    private static async Task<int> DeleteOffsetsAsync(KafkaAdminClient admin, string groupId, string[] topics, CancellationToken cancellationToken)
    {
        var partitions = new HashSet<TopicPartition>();
        var notFound = new Dictionary<TopicPartition, string>();
        foreach (var arg in topics)
        {
            if (arg.Contains(':', StringComparison.Ordinal))
            {
                partitions.UnionWith(ParseTopicPartitions(arg));
                continue;
            }

            var described = (await admin.DescribeTopicsAsync([arg], cancellationToken).ConfigureAwait(false))[arg];
            if (described.Error != ErrorCode.None)
            {
                notFound[new TopicPartition(arg, -1)] = new KafkaException(described.Error).Message;
                continue;
            }

            foreach (var p in described.Partitions)
            {
                partitions.Add(new TopicPartition(arg, p.Partition));
            }
        }

        var perPartition = new Dictionary<TopicPartition, string?>();
        foreach (var (tp, error) in notFound)
        {
            perPartition[tp] = error;
        }

        var exit = 0;
        try
        {
            var results = partitions.Count > 0 ? await admin.DeleteGroupOffsetsAsync(groupId, partitions, cancellationToken).ConfigureAwait(false) : new Dictionary<TopicPartition, ErrorCode>();
            var anyError = notFound.Count > 0;
            foreach (var tp in partitions)
            {
                var error = results.TryGetValue(tp, out var e) ? e : ErrorCode.UnknownTopicOrPartition;
                perPartition[tp] = error == ErrorCode.None ? null : new KafkaException(error).Message;
                anyError |= error != ErrorCode.None;
            }

            if (anyError)
            {
                PrintError("Encounter some partition level error, see the follow-up details:");
                exit = 1;
            }
            else
            {
                Console.WriteLine($"Request succeed for deleting offsets with topic {string.Join(", ", topics)} group {groupId}");
            }
        }
        catch (KafkaException ex)
        {
            PrintError(ex.ErrorCode switch
            {
                ErrorCode.InvalidGroupId => $"'{groupId}' is not valid.",
                ErrorCode.GroupIdNotFound => $"'{groupId}' does not exist.",
                ErrorCode.GroupAuthorizationFailed => $"Access to '{groupId}' is not authorized.",
                ErrorCode.NonEmptyGroup => $"Deleting offsets of a consumer group '{groupId}' is forbidden if the group is not empty.",
                _ => $"Encounter some unknown error: {ex.ErrorCode.KafkaName()}",
            });
            foreach (var tp in partitions)
            {
                perPartition[tp] = ex.Message;
            }

            exit = 1;
        }

        var output = new StringBuilder("\n");
        output.Append("TOPIC".PadRight(30)).Append(' ').Append("PARTITION".PadRight(15)).Append(' ').Append("STATUS".PadRight(15)).Append('\n');
        var keys = new List<TopicPartition>(perPartition.Keys);
        keys.Sort(static (a, b) => string.CompareOrdinal(a.Topic + a.Partition, b.Topic + b.Partition));
        foreach (var tp in keys)
        {
            output.Append(tp.Topic.PadRight(30)).Append(' ')
                .Append((tp.Partition >= 0 ? Text(tp.Partition) : "Not Provided").PadRight(15)).Append(' ')
                .Append((perPartition[tp] is { } error ? "Error: :" + error : "Successful").PadRight(15)).Append('\n');
        }

        Console.Write(output.ToString());
        return exit;
    }

    private static async Task<int> ResetAsync(KafkaAdminClient admin, string[] groupIds, ResetPlan plan, bool execute, CancellationToken cancellationToken)
    {
        var descriptions = await admin.DescribeGroupsAsync(groupIds, cancellationToken).ConfigureAwait(false);
        var planned = new SortedDictionary<string, Dictionary<TopicPartition, long>>(StringComparer.Ordinal);
        var exit = 0;
        foreach (var groupId in groupIds)
        {
            var description = descriptions[groupId];
            KafkaException.ThrowIfError((short)description.Error, $"Group '{groupId}'");
            if (description.State is not ("Empty" or "Dead"))
            {
                PrintError($"Assignments can only be reset if the group '{groupId}' is inactive, but the current state is {description.State}.");
                planned[groupId] = [];
                exit = 1;
                continue;
            }

            var committed = await admin.ListGroupOffsetsAsync(groupId, null, cancellationToken).ConfigureAwait(false);
            var partitions = plan.AllTopics ? [.. committed.Keys] : await ScopeAsync(admin, plan.Topics, cancellationToken).ConfigureAwait(false);
            var offsets = await PrepareAsync(admin, plan, partitions, committed, cancellationToken).ConfigureAwait(false);
            if (execute && offsets.Count > 0)
            {
                var commit = new Dictionary<TopicPartition, OffsetAndMetadata>(offsets.Count);
                foreach (var (tp, offset) in offsets)
                {
                    commit[tp] = new OffsetAndMetadata(offset);
                }

                var errors = await admin.AlterGroupOffsetsAsync(groupId, commit, cancellationToken).ConfigureAwait(false);
                foreach (var (tp, error) in errors)
                {
                    KafkaException.ThrowIfError((short)error, $"Group '{groupId}', {tp}");
                }
            }

            planned[groupId] = offsets;
        }

        if (planned.Count > 0)
        {
            var output = new StringBuilder("\n");
            output.Append("GROUP".PadRight(30)).Append(' ').Append("TOPIC".PadRight(30)).Append(' ').Append("PARTITION".PadRight(10)).Append(' ').Append("NEW-OFFSET".PadRight(15)).Append('\n');
            foreach (var (groupId, offsets) in planned)
            {
                var keys = new List<TopicPartition>(offsets.Keys);
                keys.Sort(static (a, b) => a.Topic != b.Topic ? string.CompareOrdinal(a.Topic, b.Topic) : a.Partition.CompareTo(b.Partition));
                foreach (var tp in keys)
                {
                    output.Append(groupId.PadRight(30)).Append(' ').Append(tp.Topic.PadRight(30)).Append(' ').Append(Text(tp.Partition).PadRight(10)).Append(' ').Append(offsets[tp].ToString(CultureInfo.InvariantCulture).PadRight(15)).Append('\n');
                }
            }

            Console.Write(output.ToString());
        }

        return exit;
    }

    private static async Task<List<TopicPartition>> ScopeAsync(KafkaAdminClient admin, string[] topics, CancellationToken cancellationToken)
    {
        var result = new List<TopicPartition>();
        foreach (var arg in topics)
        {
            if (arg.Contains(':', StringComparison.Ordinal))
            {
                result.AddRange(ParseTopicPartitions(arg));
                continue;
            }

            foreach (var p in (await admin.DescribeTopicAsync(arg, cancellationToken).ConfigureAwait(false)).Partitions)
            {
                result.Add(new TopicPartition(arg, p.Partition));
            }
        }

        return result;
    }

    private static async Task<Dictionary<TopicPartition, long>> PrepareAsync(
        KafkaAdminClient admin,
        ResetPlan plan,
        List<TopicPartition> partitions,
        IReadOnlyDictionary<TopicPartition, OffsetAndMetadata> committed,
        CancellationToken cancellationToken)
    {
        var result = new Dictionary<TopicPartition, long>(partitions.Count);
        if (partitions.Count == 0)
        {
            return result;
        }

        if (plan.Earliest || plan.Latest)
        {
            var listed = await ListAsync(admin, partitions, plan.Earliest ? OffsetsApi.Earliest : OffsetsApi.Latest, cancellationToken).ConfigureAwait(false);
            foreach (var tp in partitions)
            {
                result[tp] = listed[tp];
            }
        }
        else if (plan.Current)
        {
            var latest = await ListAsync(admin, partitions, OffsetsApi.Latest, cancellationToken).ConfigureAwait(false);
            foreach (var tp in partitions)
            {
                result[tp] = committed.TryGetValue(tp, out var c) ? c.Offset : latest[tp];
            }
        }
        else if (plan.ToOffset is { } offset)
        {
            foreach (var tp in partitions)
            {
                result[tp] = offset;
            }

            await ClampAsync(admin, result, cancellationToken).ConfigureAwait(false);
        }
        else if (plan.ShiftBy is { } shift)
        {
            foreach (var tp in partitions)
            {
                result[tp] = committed.TryGetValue(tp, out var c)
                    ? c.Offset + shift
                    : throw new ToolException($"Cannot shift offset for partition {tp} since there is no current committed offset");
            }

            await ClampAsync(admin, result, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var timestamp = plan.Datetime is not null ? ParseDatetime(plan.Datetime) : DateTimeOffset.UtcNow.Add(-ParseDuration(plan.Duration!)).ToUnixTimeMilliseconds();
            var byTime = await ListAsync(admin, partitions, timestamp, cancellationToken).ConfigureAwait(false);
            var empty = new List<TopicPartition>();
            foreach (var tp in partitions)
            {
                if (byTime[tp] >= 0)
                {
                    result[tp] = byTime[tp];
                }
                else
                {
                    Console.WriteLine();
                    Console.WriteLine($"Warn: Partition {tp.Partition} from topic {tp.Topic} is empty. Falling back to latest known offset.");
                    empty.Add(tp);
                }
            }

            if (empty.Count > 0)
            {
                foreach (var (tp, end) in await ListAsync(admin, empty, OffsetsApi.Latest, cancellationToken).ConfigureAwait(false))
                {
                    result[tp] = end;
                }
            }
        }

        return result;
    }

    /// <summary>Keeps requested offsets within [log start, log end], as Kafka does (with a warning).</summary>
    private static async Task ClampAsync(KafkaAdminClient admin, Dictionary<TopicPartition, long> offsets, CancellationToken cancellationToken)
    {
        var partitions = new List<TopicPartition>(offsets.Keys);
        var starts = await ListAsync(admin, partitions, OffsetsApi.Earliest, cancellationToken).ConfigureAwait(false);
        var ends = await ListAsync(admin, partitions, OffsetsApi.Latest, cancellationToken).ConfigureAwait(false);
        foreach (var tp in partitions)
        {
            var offset = offsets[tp];
            if (offset > ends[tp])
            {
                await Console.Error.WriteLineAsync($"WARN New offset ({offset}) is higher than latest offset for topic partition {tp}. Value will be set to {ends[tp]}").ConfigureAwait(false);
                offsets[tp] = ends[tp];
            }
            else if (offset < starts[tp])
            {
                await Console.Error.WriteLineAsync($"WARN New offset ({offset}) is lower than earliest offset for topic partition {tp}. Value will be set to {starts[tp]}").ConfigureAwait(false);
                offsets[tp] = starts[tp];
            }
        }
    }

    private static async Task<Dictionary<TopicPartition, long>> ListAsync(KafkaAdminClient admin, List<TopicPartition> partitions, long timestamp, CancellationToken cancellationToken)
    {
        var request = new Dictionary<TopicPartition, long>(partitions.Count);
        foreach (var tp in partitions)
        {
            request[tp] = timestamp;
        }

        var listed = await admin.ListOffsetsAsync(request, IsolationLevel.ReadUncommitted, cancellationToken).ConfigureAwait(false);
        var result = new Dictionary<TopicPartition, long>(partitions.Count);
        foreach (var tp in partitions)
        {
            var answer = listed.TryGetValue(tp, out var a) ? a : new ListedOffset(-1, -1, -1, ErrorCode.UnknownTopicOrPartition);
            KafkaException.ThrowIfError((short)answer.Error, $"Error getting offset of topic partition: {tp}");
            result[tp] = answer.Offset;
        }

        return result;
    }

    private static IEnumerable<TopicPartition> ParseTopicPartitions(string arg)
    {
        var parts = arg.Split(':');
        if (parts.Length != 2)
        {
            throw new ToolException($"Invalid topic arg '{arg}', expected topic name and partitions");
        }

        var result = new List<TopicPartition>();
        foreach (var p in parts[1].Split(','))
        {
            result.Add(int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var partition)
                ? new TopicPartition(parts[0], partition)
                : throw new ToolException($"Invalid partition '{p}' specified in topic arg '{arg}''"));
        }

        return result;
    }

    /// <summary>Kafka's --to-datetime: 'YYYY-MM-DDTHH:mm:SS.sss' with an optional zone; none means local time.</summary>
    private static long ParseDatetime(string text)
    {
        string[] formats = ["yyyy-MM-dd'T'HH:mm:ss.FFF", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFzzz", "yyyy-MM-dd'T'HH:mm:ss.FFF'Z'", "yyyy-MM-dd'T'HH:mm:sszzz", "yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFzz"];
        var style = text.EndsWith('Z') ? DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal : DateTimeStyles.AssumeLocal;
        return DateTimeOffset.TryParseExact(text, formats, CultureInfo.InvariantCulture, style, out var value)
            ? value.ToUnixTimeMilliseconds()
            : throw new ToolException($"Error parsing timestamp. It does not match the expected format 'yyyy-MM-dd'T'HH:mm:ss.SSS': {text}");
    }

    /// <summary>Kafka's --by-duration: an ISO-8601 duration such as PT10M or P1DT2H.</summary>
    private static TimeSpan ParseDuration(string text)
    {
        try
        {
            return XmlConvert.ToTimeSpan(text);
        }
        catch (FormatException)
        {
            throw new ToolException($"Text cannot be parsed to a Duration: {text}");
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
