using System.CommandLine;
using System.Globalization;
using System.Text;
using Weir.Client;
using Weir.Client.Admin;

namespace Weir.Cli.Tools;

/// <summary><c>weir configs</c> = kafka-configs.sh for topics and brokers: describe (dynamic or all) and alter (add / delete), with Kafka's output.</summary>
internal static class ConfigsCommand
{
    private const string Tool = "kafka-configs";

    public static Command Create()
    {
        var bootstrap = ToolOptions.BootstrapServer();
        var commandConfig = ToolOptions.ConfigFile("--command-config", "Property file containing configs to be passed to Admin Client.");
        var describe = new Option<bool>("--describe") { Description = "List configs for the given entity." };
        var alter = new Option<bool>("--alter") { Description = "Alter the configuration for the entity." };
        var all = new Option<bool>("--all") { Description = "List all configs for the given entity, including static configs if available." };
        var entityType = new Option<string?>("--entity-type") { Description = "Type of entity (topics/brokers)." };
        var entityName = new Option<string?>("--entity-name") { Description = "Name of entity (topic name/broker id)." };
        var entityDefault = new Option<bool>("--entity-default") { Description = "Default entity name for brokers (the cluster-wide broker defaults)." };
        var topic = new Option<string?>("--topic") { Description = "The topic's name." };
        var broker = new Option<string?>("--broker") { Description = "The broker's ID." };
        var brokerDefaults = new Option<bool>("--broker-defaults") { Description = "The config defaults for all brokers." };
        var addConfig = new Option<string?>("--add-config") { Description = "Key Value pairs of configs to add. Square brackets group values which contain commas: 'k1=v1,k2=[v1,v2,v2],k3=v3'." };
        var addConfigFile = new Option<string?>("--add-config-file") { Description = "Path to a properties file with configs to add." };
        var deleteConfig = new Option<string[]>("--delete-config") { Description = "Config keys to remove: 'k1,k2'." };

        var command = new Command("configs", "Describe and alter topic and broker configs (kafka-configs.sh).")
        {
            bootstrap, commandConfig, describe, alter, all, entityType, entityName, entityDefault, topic, broker, brokerDefaults, addConfig, addConfigFile, deleteConfig,
        };
        ToolOptions.RejectZooKeeper(command);
        command.Validators.Add(result =>
        {
            if (Has(result, describe) == Has(result, alter))
            {
                result.AddError("Command must include exactly one action: --describe, --alter");
            }
            else if (Has(result, describe) && (Has(result, addConfig) || Has(result, deleteConfig) || Has(result, addConfigFile)))
            {
                result.AddError("Option \"[describe]\" can't be used with option \"[add-config],[delete-config]\"");
            }
            else if ((Has(result, entityName) || Has(result, entityType) || Has(result, entityDefault)) && (Has(result, topic) || Has(result, broker) || Has(result, brokerDefaults)))
            {
                result.AddError("--entity-{type,name,default} should not be used in conjunction with specific entity flags");
            }
            else if (!Has(result, entityType) && !Has(result, topic) && !Has(result, broker) && !Has(result, brokerDefaults))
            {
                result.AddError("At least one entity type must be specified");
            }
        });

        command.SetAction((parse, cancellationToken) => ToolRunner.RunAsync(Tool, async () =>
        {
            string type;
            string? name;
            if (parse.GetValue(topic) is { } t)
            {
                (type, name) = ("topics", t);
            }
            else if (parse.GetValue(broker) is { } b)
            {
                (type, name) = ("brokers", b);
            }
            else if (parse.GetValue(brokerDefaults))
            {
                (type, name) = ("brokers", "");
            }
            else
            {
                type = parse.GetValue(entityType)!;
                name = parse.GetValue(entityDefault) ? "" : parse.GetValue(entityName);
            }

            if (type is not ("topics" or "brokers"))
            {
                await Console.Error.WriteLineAsync($"Invalid entity type {type}, the entity type must be one of topics, brokers with a --bootstrap-server argument").ConfigureAwait(false);
                return 1;
            }

            if (type == "brokers" && name is { Length: > 0 } && !int.TryParse(name, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
            {
                await Console.Error.WriteLineAsync($"The entity name for brokers must be a valid integer broker id, but it is: {name}").ConfigureAwait(false);
                return 1;
            }

            await using var admin = AdminTool.Connect(parse.GetValue(bootstrap)!, parse.GetValue(commandConfig));
            try
            {
                if (parse.GetValue(describe))
                {
                    await DescribeAsync(admin, type, name, parse.GetValue(all), cancellationToken).ConfigureAwait(false);
                    return 0;
                }

                if (name is null)
                {
                    await Console.Error.WriteLineAsync($"An entity name must be specified with --alter of {type}").ConfigureAwait(false);
                    return 1;
                }

                var added = ParseAddConfig(parse.GetValue(addConfig));
                foreach (var (k, v) in ToolOptions.LoadPropertiesFile(parse.GetValue(addConfigFile)))
                {
                    added[k] = v;
                }

                var deleted = new List<string>();
                foreach (var item in parse.GetValue(deleteConfig) ?? [])
                {
                    deleted.AddRange(item.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
                }

                return await AlterAsync(admin, type, name, added, deleted, cancellationToken).ConfigureAwait(false);
            }
            catch (KafkaException ex)
            {
                await Console.Error.WriteLineAsync($"Error while executing config command with args '{string.Join(' ', parse.Tokens.Select(token => token.Value))}'").ConfigureAwait(false);
                await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return 1;
            }
        }));
        return command;
    }

    private static bool Has(System.CommandLine.Parsing.CommandResult result, Option option) => result.GetResult(option) is { Implicit: false };

    private static ConfigResource Resource(string type, string name) =>
        type == "topics" ? ConfigResource.Topic(name) : new ConfigResource(ConfigResourceType.Broker, name);

    private static async Task DescribeAsync(KafkaAdminClient admin, string type, string? name, bool all, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        if (name is not null)
        {
            names.Add(name);
        }
        else if (type == "topics")
        {
            foreach (var listing in await admin.ListTopicsAsync(includeInternal: true, cancellationToken).ConfigureAwait(false))
            {
                names.Add(listing.Name);
            }
        }
        else
        {
            foreach (var node in (await admin.DescribeClusterAsync(cancellationToken).ConfigureAwait(false)).Brokers)
            {
                names.Add(node.Id.ToString(CultureInfo.InvariantCulture));
            }

            names.Add("");
        }

        var output = new StringBuilder();
        foreach (var entity in names)
        {
            var resource = Resource(type, entity);
            var config = await admin.DescribeConfigAsync(resource, cancellationToken).ConfigureAwait(false);
            output.Append(entity.Length == 0 && type == "brokers"
                ? "Default configs for brokers in the cluster are:\n"
                : $"{(all ? "All" : "Dynamic")} configs for {type[..^1]} {entity} are:\n");
            var dynamicSource = type == "topics" ? ConfigSource.DynamicTopicConfig : entity.Length == 0 ? ConfigSource.DynamicDefaultBrokerConfig : ConfigSource.DynamicBrokerConfig;
            foreach (var entry in config.Entries)
            {
                if (!all && entry.Source != dynamicSource)
                {
                    continue;
                }

                output.Append("  ").Append(entry.Name).Append('=').Append(entry.IsSensitive ? "null" : entry.Value ?? "null")
                    .Append(" sensitive=").Append(entry.IsSensitive ? "true" : "false")
                    .Append(" synonyms={")
                    .Append(string.Join(", ", entry.Synonyms.Select(s => $"{AdminTool.SourceName(s.Source)}:{s.Name}={(entry.IsSensitive ? "null" : s.Value ?? "null")}")))
                    .Append("}\n");
            }
        }

        Console.Write(output.ToString());
    }

    private static async Task<int> AlterAsync(KafkaAdminClient admin, string type, string name, Dictionary<string, string> added, List<string> deleted, CancellationToken cancellationToken)
    {
        var resource = Resource(type, name);
        if (deleted.Count > 0)
        {
            // As Kafka: deleting a config that is not set on this entity is a mistake worth stopping for.
            var current = await admin.DescribeConfigAsync(resource, cancellationToken).ConfigureAwait(false);
            var invalid = new List<string>();
            foreach (var key in deleted)
            {
                var entry = current.Get(key);
                if (entry is null || entry.Source is not (ConfigSource.DynamicTopicConfig or ConfigSource.DynamicBrokerConfig or ConfigSource.DynamicDefaultBrokerConfig))
                {
                    invalid.Add(key);
                }
            }

            if (invalid.Count > 0)
            {
                await Console.Error.WriteLineAsync($"Invalid config(s): {string.Join(",", invalid)}").ConfigureAwait(false);
                return 1;
            }
        }

        var ops = new List<AlterConfigOp>();
        foreach (var (k, v) in added)
        {
            ops.Add(AlterConfigOp.Set(k, v));
        }

        foreach (var key in deleted)
        {
            ops.Add(AlterConfigOp.Delete(key));
        }

        var results = await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, IReadOnlyList<AlterConfigOp>> { [resource] = ops }, false, cancellationToken).ConfigureAwait(false);
        var result = results[resource];
        if (!result.IsSuccess)
        {
            throw new KafkaException(result.Error, result.ErrorMessage);
        }

        Console.WriteLine(type == "brokers" && name.Length == 0
            ? "Completed updating default config for brokers in the cluster."
            : $"Completed updating config for {type[..^1]} {name}.");
        return 0;
    }

    /// <summary>Kafka's --add-config: k=v pairs split on commas outside square brackets; brackets are removed.</summary>
    internal static Dictionary<string, string> ParseAddConfig(string? text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(text))
        {
            return result;
        }

        var depth = 0;
        var start = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i < text.Length && text[i] == '[')
            {
                depth++;
            }
            else if (i < text.Length && text[i] == ']')
            {
                depth--;
            }
            else if (i == text.Length || (text[i] == ',' && depth == 0))
            {
                var pair = text[start..i];
                start = i + 1;
                if (pair.Trim().Length == 0)
                {
                    continue;
                }

                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    throw new ToolException($"Invalid entity config: all configs to be added must be in the format \"key=val\" (got '{pair}').");
                }

                result[pair[..eq].Trim()] = pair[(eq + 1)..].Trim().Replace("[", "", StringComparison.Ordinal).Replace("]", "", StringComparison.Ordinal);
            }
        }

        return result;
    }
}
