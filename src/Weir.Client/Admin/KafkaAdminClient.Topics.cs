using Weir.Client.Cluster;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Client.Admin;

public sealed partial class KafkaAdminClient
{
    /// <summary>Creates topics; each topic's outcome is returned (TOPIC_ALREADY_EXISTS, INVALID_CONFIG, ...).</summary>
    public async Task<IReadOnlyDictionary<string, AdminResult>> CreateTopicsAsync(IEnumerable<NewTopic> topics, bool validateOnly = false, CancellationToken cancellationToken = default)
    {
        var byName = new Dictionary<string, NewTopic>(StringComparer.Ordinal);
        foreach (var topic in topics)
        {
            byName[topic.Name] = topic;
        }

        return await RetryPerItemAsync<string, AdminResult>(
            byName.Keys,
            async (names, refresh, ct) =>
            {
                var connection = await ControllerConnectionAsync(refresh, ct).ConfigureAwait(false);
                var version = connection.RequireVersion(ApiKey.CreateTopics, 7, 2);
                var request = new CreateTopicsRequest { timeoutMs = TimeoutMs, validateOnly = validateOnly };
                foreach (var name in names)
                {
                    request.Topics.Add(ToCreatable(byName[name], version));
                }

                var response = await connection.SendAsync<CreateTopicsResponse>(ApiKey.CreateTopics, version, request, ct).ConfigureAwait(false);
                var answer = new Dictionary<string, AdminResult>(StringComparer.Ordinal);
                foreach (var result in response.Topics)
                {
                    answer[result.Name] = new AdminResult((ErrorCode)result.ErrorCode, result.ErrorMessage);
                }

                return answer;
            },
            static r => r.Error,
            static (error, message) => new AdminResult(error, message),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates one topic; throws a <see cref="KafkaException"/> naming it when that fails.</summary>
    public async Task CreateTopicAsync(NewTopic topic, CancellationToken cancellationToken = default)
    {
        var results = await CreateTopicsAsync([topic], false, cancellationToken).ConfigureAwait(false);
        results[topic.Name].ThrowIfError($"Topic '{topic.Name}'");
    }

    /// <summary>Deletes topics by name; each topic's outcome is returned (UNKNOWN_TOPIC_OR_PARTITION when absent).</summary>
    public async Task<IReadOnlyDictionary<string, AdminResult>> DeleteTopicsAsync(IEnumerable<string> topics, CancellationToken cancellationToken = default)
    {
        var names = new HashSet<string>(topics, StringComparer.Ordinal);
        return await RetryPerItemAsync<string, AdminResult>(
            names,
            async (pending, refresh, ct) =>
            {
                var connection = await ControllerConnectionAsync(refresh, ct).ConfigureAwait(false);
                var version = connection.RequireVersion(ApiKey.DeleteTopics, 6, 1);
                var request = new DeleteTopicsRequest { TimeoutMs = TimeoutMs };
                foreach (var name in pending)
                {
                    if (version >= 6)
                    {
                        request.Topics.Add(new DeleteTopicsRequest.DeleteTopicState { Name = name });
                    }
                    else
                    {
                        request.TopicNames.Add(name);
                    }
                }

                var response = await connection.SendAsync<DeleteTopicsResponse>(ApiKey.DeleteTopics, version, request, ct).ConfigureAwait(false);
                var answer = new Dictionary<string, AdminResult>(StringComparer.Ordinal);
                foreach (var result in response.Responses)
                {
                    if (result.Name is not null)
                    {
                        answer[result.Name] = new AdminResult((ErrorCode)result.ErrorCode, result.ErrorMessage);
                    }
                }

                return answer;
            },
            static r => r.Error,
            static (error, message) => new AdminResult(error, message),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes one topic; throws a <see cref="KafkaException"/> naming it when that fails.</summary>
    public async Task DeleteTopicAsync(string topic, CancellationToken cancellationToken = default)
    {
        var results = await DeleteTopicsAsync([topic], cancellationToken).ConfigureAwait(false);
        results[topic].ThrowIfError($"Topic '{topic}'");
    }

    /// <summary>The cluster's topics in name order; internal ones (__consumer_offsets, ...) only when asked.</summary>
    public async Task<IReadOnlyList<TopicListing>> ListTopicsAsync(bool includeInternal = false, CancellationToken cancellationToken = default)
    {
        var metadata = await _cluster.RefreshMetadataAsync(null, cancellationToken: cancellationToken).ConfigureAwait(false);
        var listings = new List<TopicListing>(metadata.Topics.Count);
        foreach (var topic in metadata.Topics.Values)
        {
            if (topic.Error == ErrorCode.None && (includeInternal || !topic.IsInternal))
            {
                listings.Add(new TopicListing(topic.Name, topic.TopicId, topic.IsInternal));
            }
        }

        listings.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return listings;
    }

    /// <summary>
    /// Partitions, leaders, replicas and ISRs of each topic (configs: <see cref="DescribeConfigsAsync"/>).
    /// A topic whose leaders are still being elected is asked again; an unknown one comes back with its error.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, TopicMetadata>> DescribeTopicsAsync(IEnumerable<string> topics, CancellationToken cancellationToken = default)
    {
        var names = new HashSet<string>(topics, StringComparer.Ordinal);
        var results = await RetryPerItemAsync<string, TopicMetadata>(
            names,
            async (pending, _, ct) =>
            {
                var metadata = await _cluster.RefreshMetadataAsync(pending, cancellationToken: ct).ConfigureAwait(false);
                var answer = new Dictionary<string, TopicMetadata>(StringComparer.Ordinal);
                foreach (var name in pending)
                {
                    var topic = metadata.Topic(name) ?? new TopicMetadata(name, Guid.Empty, ErrorCode.UnknownTopicOrPartition, false, []);
                    // Right after creation a topic may be listed without leaders: ask again.
                    if (topic.Error == ErrorCode.None && !HasAllLeaders(topic))
                    {
                        topic = topic with { Error = ErrorCode.LeaderNotAvailable };
                    }

                    answer[name] = topic;
                }

                return answer;
            },
            static t => t.Error,
            static (error, _) => new TopicMetadata("", Guid.Empty, error, false, []),
            cancellationToken).ConfigureAwait(false);
        foreach (var name in names)
        {
            if (results[name].Name.Length == 0)
            {
                results[name] = results[name] with { Name = name };
            }
        }

        return results;
    }

    /// <summary>One topic's description; throws a <see cref="KafkaException"/> naming it when it cannot be described.</summary>
    public async Task<TopicMetadata> DescribeTopicAsync(string topic, CancellationToken cancellationToken = default)
    {
        var results = await DescribeTopicsAsync([topic], cancellationToken).ConfigureAwait(false);
        var result = results[topic];
        KafkaException.ThrowIfError((short)result.Error, $"Topic '{topic}'");
        return result;
    }

    /// <summary>Adds partitions to topics (CreatePartitions); each topic's outcome is returned.</summary>
    public async Task<IReadOnlyDictionary<string, AdminResult>> CreatePartitionsAsync(IReadOnlyDictionary<string, NewPartitions> newPartitions, bool validateOnly = false, CancellationToken cancellationToken = default)
    {
        return await RetryPerItemAsync<string, AdminResult>(
            [.. newPartitions.Keys],
            async (pending, refresh, ct) =>
            {
                var connection = await ControllerConnectionAsync(refresh, ct).ConfigureAwait(false);
                var version = connection.RequireVersion(ApiKey.CreatePartitions, 3);
                var request = new CreatePartitionsRequest { TimeoutMs = TimeoutMs, ValidateOnly = validateOnly };
                foreach (var name in pending)
                {
                    var spec = newPartitions[name];
                    var topic = new CreatePartitionsRequest.CreatePartitionsTopic { Name = name, Count = spec.TotalCount, Assignments = null };
                    if (spec.Assignments is not null)
                    {
                        topic.Assignments = [];
                        foreach (var brokers in spec.Assignments)
                        {
                            topic.Assignments.Add(new CreatePartitionsRequest.CreatePartitionsAssignment { BrokerIds = [.. brokers] });
                        }
                    }

                    request.Topics.Add(topic);
                }

                var response = await connection.SendAsync<CreatePartitionsResponse>(ApiKey.CreatePartitions, version, request, ct).ConfigureAwait(false);
                var answer = new Dictionary<string, AdminResult>(StringComparer.Ordinal);
                foreach (var result in response.Results)
                {
                    answer[result.Name] = new AdminResult((ErrorCode)result.ErrorCode, result.ErrorMessage);
                }

                return answer;
            },
            static r => r.Error,
            static (error, message) => new AdminResult(error, message),
            cancellationToken).ConfigureAwait(false);
    }

    private static bool HasAllLeaders(TopicMetadata topic)
    {
        if (topic.Partitions.Count == 0)
        {
            return false;
        }

        foreach (var partition in topic.Partitions)
        {
            if (partition.Leader < 0 && partition.Error == ErrorCode.LeaderNotAvailable)
            {
                return false;
            }
        }

        return true;
    }

    private static CreateTopicsRequest.CreatableTopic ToCreatable(NewTopic topic, short version)
    {
        var creatable = new CreateTopicsRequest.CreatableTopic
        {
            Name = topic.Name,
            NumPartitions = topic.NumPartitions,
            ReplicationFactor = topic.ReplicationFactor,
        };
        if (topic.ReplicaAssignment is { Count: > 0 } assignment)
        {
            creatable.NumPartitions = -1;
            creatable.ReplicationFactor = -1;
            foreach (var (partition, brokers) in assignment)
            {
                creatable.Assignments.Add(new CreateTopicsRequest.CreatableReplicaAssignment { PartitionIndex = partition, BrokerIds = [.. brokers] });
            }
        }
        else if (version < 4 && (topic.NumPartitions < 0 || topic.ReplicationFactor < 0))
        {
            throw new KafkaException(ErrorCode.UnsupportedVersion, $"Topic '{topic.Name}': the broker's defaults for partitions and replication factor need CreateTopics v4; give both");
        }

        foreach (var (name, value) in topic.Configs)
        {
            creatable.Configs.Add(new CreateTopicsRequest.CreatableTopicConfig { Name = name, Value = value });
        }

        return creatable;
    }
}
