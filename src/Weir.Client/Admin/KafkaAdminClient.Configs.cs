using System.Globalization;
using Weir.Client.Cluster;
using Weir.Client.Network;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Client.Admin;

public sealed partial class KafkaAdminClient
{
    /// <summary>
    /// Every config of each resource with its value, source and synonyms. A broker's own configs are
    /// asked of that broker (only it knows its static settings); topics of any broker.
    /// </summary>
    public async Task<IReadOnlyDictionary<ConfigResource, ResourceConfig>> DescribeConfigsAsync(
        IEnumerable<ConfigResource> resources,
        bool includeSynonyms = true,
        CancellationToken cancellationToken = default)
    {
        var results = await RetryPerItemAsync<ConfigResource, ResourceConfig>(
            [.. new HashSet<ConfigResource>(resources)],
            async (pending, refresh, ct) =>
            {
                var answer = new Dictionary<ConfigResource, ResourceConfig>();
                foreach (var (nodeId, group) in GroupByConfigNode(pending))
                {
                    var connection = await ConfigConnectionAsync(nodeId, refresh, ct).ConfigureAwait(false);
                    var version = connection.RequireVersion(ApiKey.DescribeConfigs, 4);
                    var request = new DescribeConfigsRequest();
                    if (version >= 1)
                    {
                        request.IncludeSynonyms = includeSynonyms;
                    }

                    foreach (var resource in group)
                    {
                        request.Resources.Add(new DescribeConfigsRequest.DescribeConfigsResource { ResourceType = (sbyte)resource.Type, ResourceName = resource.Name, ConfigurationKeys = null });
                    }

                    var response = await connection.SendAsync<DescribeConfigsResponse>(ApiKey.DescribeConfigs, version, request, ct).ConfigureAwait(false);
                    foreach (var result in response.Results)
                    {
                        var resource = new ConfigResource((ConfigResourceType)result.ResourceType, result.ResourceName);
                        answer[resource] = ToResourceConfig(resource, result, version);
                    }
                }

                return answer;
            },
            static r => r.Error,
            static (error, message) => new ResourceConfig(default, error, message, []),
            cancellationToken).ConfigureAwait(false);
        return WithResources(results);
    }

    /// <summary>One resource's configs; throws a <see cref="KafkaException"/> naming it when they cannot be described.</summary>
    public async Task<ResourceConfig> DescribeConfigAsync(ConfigResource resource, CancellationToken cancellationToken = default)
    {
        var results = await DescribeConfigsAsync([resource], true, cancellationToken).ConfigureAwait(false);
        var config = results[resource];
        KafkaException.ThrowIfError((short)config.Error, Describe(resource), config.ErrorMessage);
        return config;
    }

    /// <summary>
    /// Changes configs with IncrementalAlterConfigs (set / delete / append / subtract). A broker
    /// without it gets AlterConfigs with the resource's current dynamic configs plus the changes,
    /// which is what IncrementalAlterConfigs would have produced. Each resource's outcome is returned.
    /// </summary>
    public async Task<IReadOnlyDictionary<ConfigResource, AdminResult>> IncrementalAlterConfigsAsync(
        IReadOnlyDictionary<ConfigResource, IReadOnlyList<AlterConfigOp>> changes,
        bool validateOnly = false,
        CancellationToken cancellationToken = default)
    {
        return await RetryPerItemAsync<ConfigResource, AdminResult>(
            [.. changes.Keys],
            async (pending, refresh, ct) =>
            {
                var answer = new Dictionary<ConfigResource, AdminResult>();
                foreach (var (nodeId, group) in GroupByConfigNode(pending))
                {
                    var connection = await ConfigConnectionAsync(nodeId, refresh, ct).ConfigureAwait(false);
                    var incremental = UseIncrementalAlterConfigs ? connection.Version(ApiKey.IncrementalAlterConfigs, 1) : (short)-1;
                    if (incremental >= 0)
                    {
                        await IncrementalAlterAsync(connection, incremental, group, changes, validateOnly, answer, ct).ConfigureAwait(false);
                    }
                    else
                    {
                        await AlterWholeAsync(connection, group, changes, validateOnly, answer, ct).ConfigureAwait(false);
                    }
                }

                return answer;
            },
            static r => r.Error,
            static (error, message) => new AdminResult(error, message),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>False makes alters take the AlterConfigs path a broker without IncrementalAlterConfigs gets (tests use it).</summary>
    internal bool UseIncrementalAlterConfigs { get; set; } = true;

    /// <summary>Changes one resource's configs; throws a <see cref="KafkaException"/> naming it when that fails.</summary>
    public async Task AlterConfigAsync(ConfigResource resource, IReadOnlyList<AlterConfigOp> ops, CancellationToken cancellationToken = default)
    {
        var results = await IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, IReadOnlyList<AlterConfigOp>> { [resource] = ops }, false, cancellationToken).ConfigureAwait(false);
        results[resource].ThrowIfError(Describe(resource));
    }

    private static async Task IncrementalAlterAsync(
        BrokerConnection connection,
        short version,
        List<ConfigResource> group,
        IReadOnlyDictionary<ConfigResource, IReadOnlyList<AlterConfigOp>> changes,
        bool validateOnly,
        Dictionary<ConfigResource, AdminResult> answer,
        CancellationToken cancellationToken)
    {
        var request = new IncrementalAlterConfigsRequest { ValidateOnly = validateOnly };
        foreach (var resource in group)
        {
            var entry = new IncrementalAlterConfigsRequest.AlterConfigsResource { ResourceType = (sbyte)resource.Type, ResourceName = resource.Name };
            foreach (var op in changes[resource])
            {
                entry.Configs.Add(new IncrementalAlterConfigsRequest.AlterableConfig { Name = op.Name, ConfigOperation = (sbyte)op.Op, Value = op.Value });
            }

            request.Resources.Add(entry);
        }

        var response = await connection.SendAsync<IncrementalAlterConfigsResponse>(ApiKey.IncrementalAlterConfigs, version, request, cancellationToken).ConfigureAwait(false);
        foreach (var result in response.Responses)
        {
            answer[new ConfigResource((ConfigResourceType)result.ResourceType, result.ResourceName)] = new AdminResult((ErrorCode)result.ErrorCode, result.ErrorMessage);
        }
    }

    private static async Task AlterWholeAsync(
        BrokerConnection connection,
        List<ConfigResource> group,
        IReadOnlyDictionary<ConfigResource, IReadOnlyList<AlterConfigOp>> changes,
        bool validateOnly,
        Dictionary<ConfigResource, AdminResult> answer,
        CancellationToken cancellationToken)
    {
        // AlterConfigs replaces a resource's whole dynamic config: start from what is set now.
        var describeVersion = connection.RequireVersion(ApiKey.DescribeConfigs, 4);
        var describe = new DescribeConfigsRequest();
        foreach (var resource in group)
        {
            describe.Resources.Add(new DescribeConfigsRequest.DescribeConfigsResource { ResourceType = (sbyte)resource.Type, ResourceName = resource.Name, ConfigurationKeys = null });
        }

        var current = await connection.SendAsync<DescribeConfigsResponse>(ApiKey.DescribeConfigs, describeVersion, describe, cancellationToken).ConfigureAwait(false);
        var version = connection.RequireVersion(ApiKey.AlterConfigs, 2);
        var request = new AlterConfigsRequest { ValidateOnly = validateOnly };
        foreach (var result in current.Results)
        {
            var resource = new ConfigResource((ConfigResourceType)result.ResourceType, result.ResourceName);
            if (result.ErrorCode != 0)
            {
                answer[resource] = new AdminResult((ErrorCode)result.ErrorCode, result.ErrorMessage);
                continue;
            }

            var configs = new Dictionary<string, string?>(StringComparer.Ordinal);
            var described = ToResourceConfig(resource, result, describeVersion);
            foreach (var entry in described.Entries)
            {
                if (entry.Source is ConfigSource.DynamicTopicConfig or ConfigSource.DynamicBrokerConfig or ConfigSource.DynamicDefaultBrokerConfig or ConfigSource.DynamicGroupConfig
                    && !entry.IsSensitive)
                {
                    configs[entry.Name] = entry.Value;
                }
            }

            foreach (var op in changes[resource])
            {
                // As the broker does, append and subtract start from the effective value (perhaps a default).
                if (op.Op is AlterConfigOpType.Append or AlterConfigOpType.Subtract && !configs.ContainsKey(op.Name) && described.Get(op.Name) is { IsSensitive: false } effective)
                {
                    configs[op.Name] = effective.Value;
                }

                Apply(configs, op);
            }

            var alter = new AlterConfigsRequest.AlterConfigsResource { ResourceType = (sbyte)resource.Type, ResourceName = resource.Name };
            foreach (var (name, value) in configs)
            {
                alter.Configs.Add(new AlterConfigsRequest.AlterableConfig { Name = name, Value = value });
            }

            request.Resources.Add(alter);
        }

        if (request.Resources.Count == 0)
        {
            return;
        }

        var response = await connection.SendAsync<AlterConfigsResponse>(ApiKey.AlterConfigs, version, request, cancellationToken).ConfigureAwait(false);
        foreach (var result in response.Responses)
        {
            answer[new ConfigResource((ConfigResourceType)result.ResourceType, result.ResourceName)] = new AdminResult((ErrorCode)result.ErrorCode, result.ErrorMessage);
        }
    }

    /// <summary>What IncrementalAlterConfigs does to one config, applied to a copy of the current set.</summary>
    internal static void Apply(Dictionary<string, string?> configs, AlterConfigOp op)
    {
        switch (op.Op)
        {
            case AlterConfigOpType.Set:
                configs[op.Name] = op.Value;
                break;
            case AlterConfigOpType.Delete:
                configs.Remove(op.Name);
                break;
            case AlterConfigOpType.Append:
                {
                    var items = SplitList(configs.GetValueOrDefault(op.Name));
                    foreach (var item in SplitList(op.Value))
                    {
                        if (!items.Contains(item))
                        {
                            items.Add(item);
                        }
                    }

                    configs[op.Name] = string.Join(',', items);
                    break;
                }

            case AlterConfigOpType.Subtract:
                {
                    var items = SplitList(configs.GetValueOrDefault(op.Name));
                    foreach (var item in SplitList(op.Value))
                    {
                        items.Remove(item);
                    }

                    configs[op.Name] = string.Join(',', items);
                    break;
                }

            default:
                throw new ArgumentException($"Unknown config operation {op.Op}.", nameof(op));
        }
    }

    private static List<string> SplitList(string? value)
    {
        var items = new List<string>();
        foreach (var item in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            items.Add(item);
        }

        return items;
    }

    private static Dictionary<ConfigResource, ResourceConfig> WithResources(Dictionary<ConfigResource, ResourceConfig> results)
    {
        foreach (var resource in new List<ConfigResource>(results.Keys))
        {
            if (results[resource].Resource != resource)
            {
                results[resource] = results[resource] with { Resource = resource };
            }
        }

        return results;
    }

    private static string Describe(ConfigResource resource) => resource.Type switch
    {
        ConfigResourceType.Topic => $"Topic '{resource.Name}'",
        ConfigResourceType.Broker when resource.Name.Length == 0 => "Broker defaults",
        ConfigResourceType.Broker => $"Broker {resource.Name}",
        _ => $"{resource.Type} '{resource.Name}'",
    };

    /// <summary>Broker (and broker logger) resources go to that broker; everything else to the controller (or any broker): key -1.</summary>
    private static Dictionary<int, List<ConfigResource>> GroupByConfigNode(IReadOnlyCollection<ConfigResource> resources)
    {
        var groups = new Dictionary<int, List<ConfigResource>>();
        foreach (var resource in resources)
        {
            var nodeId = resource.Type is ConfigResourceType.Broker or ConfigResourceType.BrokerLogger
                && int.TryParse(resource.Name, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) ? id : -1;
            if (!groups.TryGetValue(nodeId, out var group))
            {
                group = [];
                groups[nodeId] = group;
            }

            group.Add(resource);
        }

        return groups;
    }

    private async Task<BrokerConnection> ConfigConnectionAsync(int nodeId, bool refresh, CancellationToken cancellationToken)
    {
        if (nodeId < 0)
        {
            return await ControllerConnectionAsync(refresh, cancellationToken).ConfigureAwait(false);
        }

        if (refresh || !_cluster.Metadata.Brokers.ContainsKey(nodeId))
        {
            await _cluster.RefreshMetadataAsync([], cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        if (!_cluster.Metadata.Brokers.ContainsKey(nodeId))
        {
            throw new KafkaException(ErrorCode.BrokerNotAvailable, $"Broker {nodeId} is not in the cluster");
        }

        return await _cluster.GetConnectionAsync(nodeId, ConnectionLane.Default, cancellationToken).ConfigureAwait(false);
    }

    private static ResourceConfig ToResourceConfig(ConfigResource resource, DescribeConfigsResponse.DescribeConfigsResult result, short version)
    {
        var entries = new List<ConfigEntry>(result.Configs.Count);
        foreach (var config in result.Configs)
        {
            var synonyms = new List<ConfigSynonym>(config.Synonyms?.Count ?? 0);
            if (version >= 1 && config.Synonyms is not null)
            {
                foreach (var synonym in config.Synonyms)
                {
                    synonyms.Add(new ConfigSynonym(synonym.Name, synonym.Value, (ConfigSource)synonym.Source));
                }
            }

            ConfigSource source;
            bool isDefault;
            if (version >= 1)
            {
                source = (ConfigSource)config.ConfigSource;
                isDefault = source == ConfigSource.DefaultConfig;
            }
            else
            {
                isDefault = config.IsDefault;
                source = isDefault ? ConfigSource.DefaultConfig : ConfigSource.Unknown;
            }

            entries.Add(new ConfigEntry(config.Name, config.Value, source, isDefault, config.IsSensitive, config.ReadOnly, synonyms));
        }

        entries.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new ResourceConfig(resource, (ErrorCode)result.ErrorCode, result.ErrorMessage, entries);
    }
}
