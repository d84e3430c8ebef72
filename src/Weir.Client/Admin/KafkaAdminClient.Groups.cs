using Weir.Client.Cluster;
using Weir.Client.Network;
using Weir.Protocol;
using Weir.Protocol.Messages;
using Weir.Protocol.Primitives;

namespace Weir.Client.Admin;

public sealed partial class KafkaAdminClient
{
    /// <summary>
    /// Every group of the cluster (each broker coordinates some, so all are asked), optionally only
    /// those in <paramref name="states"/> (Kafka's names: Empty, Stable, PreparingRebalance, ...).
    /// </summary>
    public async Task<IReadOnlyList<GroupListing>> ListGroupsAsync(IReadOnlyCollection<string>? states = null, CancellationToken cancellationToken = default)
    {
        var metadata = await _cluster.RefreshMetadataAsync([], cancellationToken: cancellationToken).ConfigureAwait(false);
        var calls = new List<Task<ListGroupsResponse>>(metadata.Brokers.Count);
        foreach (var nodeId in metadata.Brokers.Keys)
        {
            calls.Add(ListGroupsOnAsync(nodeId, states, cancellationToken));
        }

        var seen = new Dictionary<string, GroupListing>(StringComparer.Ordinal);
        foreach (var call in calls)
        {
            var response = await call.ConfigureAwait(false);
            KafkaException.ThrowIfError(response.ErrorCode, "ListGroups");
            foreach (var group in response.Groups)
            {
                if (states is { Count: > 0 } && group.GroupState.Length > 0 && !Contains(states, group.GroupState))
                {
                    continue;
                }

                seen[group.GroupId] = new GroupListing(group.GroupId, group.ProtocolType, group.GroupState, group.GroupType);
            }
        }

        var listings = new List<GroupListing>(seen.Values);
        listings.Sort(static (a, b) => string.CompareOrdinal(a.GroupId, b.GroupId));
        return listings;

        static bool Contains(IReadOnlyCollection<string> states, string state)
        {
            foreach (var s in states)
            {
                if (string.Equals(s, state, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Each group's state, protocol and members (with their assignments decoded for consumer groups).</summary>
    public async Task<IReadOnlyDictionary<string, GroupDescription>> DescribeGroupsAsync(IEnumerable<string> groupIds, CancellationToken cancellationToken = default)
    {
        return await RetryPerItemAsync<string, GroupDescription>(
            [.. new HashSet<string>(groupIds, StringComparer.Ordinal)],
            async (pending, _, ct) =>
            {
                var answer = new Dictionary<string, GroupDescription>(StringComparer.Ordinal);
                foreach (var (coordinator, groups) in await GroupByCoordinatorAsync(pending, ct).ConfigureAwait(false))
                {
                    var connection = await _cluster.GetConnectionAsync(coordinator, ConnectionLane.Coordinator, ct).ConfigureAwait(false);
                    var version = connection.RequireVersion(ApiKey.DescribeGroups, 5);
                    var request = new DescribeGroupsRequest { Groups = groups };
                    var response = await connection.SendAsync<DescribeGroupsResponse>(ApiKey.DescribeGroups, version, request, ct).ConfigureAwait(false);
                    var node = Node(coordinator);
                    foreach (var group in response.Groups)
                    {
                        answer[group.GroupId] = ToDescription(group, node);
                    }
                }

                return answer;
            },
            static g => g.Error,
            static (error, _) => new GroupDescription("", error, "Unknown", "", "", [], null),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One group's description; throws a <see cref="KafkaException"/> naming it when it cannot be described.</summary>
    public async Task<GroupDescription> DescribeGroupAsync(string groupId, CancellationToken cancellationToken = default)
    {
        var results = await DescribeGroupsAsync([groupId], cancellationToken).ConfigureAwait(false);
        var group = results[groupId];
        KafkaException.ThrowIfError((short)group.Error, $"Group '{groupId}'");
        return group;
    }

    /// <summary>Deletes groups with their committed offsets; a group with members fails with NON_EMPTY_GROUP.</summary>
    public async Task<IReadOnlyDictionary<string, AdminResult>> DeleteGroupsAsync(IEnumerable<string> groupIds, CancellationToken cancellationToken = default)
    {
        return await RetryPerItemAsync<string, AdminResult>(
            [.. new HashSet<string>(groupIds, StringComparer.Ordinal)],
            async (pending, _, ct) =>
            {
                var answer = new Dictionary<string, AdminResult>(StringComparer.Ordinal);
                foreach (var (coordinator, groups) in await GroupByCoordinatorAsync(pending, ct).ConfigureAwait(false))
                {
                    var connection = await _cluster.GetConnectionAsync(coordinator, ConnectionLane.Coordinator, ct).ConfigureAwait(false);
                    var version = connection.RequireVersion(ApiKey.DeleteGroups, 2);
                    var response = await connection.SendAsync<DeleteGroupsResponse>(ApiKey.DeleteGroups, version, new DeleteGroupsRequest { GroupsNames = groups }, ct).ConfigureAwait(false);
                    foreach (var result in response.Results)
                    {
                        answer[result.GroupId] = new AdminResult((ErrorCode)result.ErrorCode, DescribeGroupError(result.GroupId, (ErrorCode)result.ErrorCode));
                    }
                }

                return answer;
            },
            static r => r.Error,
            static (error, message) => new AdminResult(error, message),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The group's committed offsets (null <paramref name="partitions"/>: all of them). Partitions without a commit are absent.</summary>
    public Task<IReadOnlyDictionary<TopicPartition, OffsetAndMetadata>> ListGroupOffsetsAsync(string groupId, IReadOnlyCollection<TopicPartition>? partitions = null, CancellationToken cancellationToken = default) =>
        _cluster.FetchCommittedOffsetsAsync(groupId, partitions, null, cancellationToken);

    /// <summary>
    /// Sets a group's committed offsets as an admin (OffsetCommit with generation -1 and no member id).
    /// Kafka accepts this only while the group has no active members: for an active group this throws
    /// a <see cref="KafkaException"/> saying so. Other per-partition errors are returned.
    /// </summary>
    public async Task<IReadOnlyDictionary<TopicPartition, ErrorCode>> AlterGroupOffsetsAsync(string groupId, IReadOnlyDictionary<TopicPartition, OffsetAndMetadata> offsets, CancellationToken cancellationToken = default)
    {
        var results = await _cluster.CommitOffsetsAsync(groupId, offsets, -1, "", null, null, cancellationToken).ConfigureAwait(false);
        foreach (var error in results.Values)
        {
            if (error is ErrorCode.UnknownMemberId or ErrorCode.IllegalGeneration or ErrorCode.RebalanceInProgress)
            {
                throw new KafkaException(error, $"Group '{groupId}' has active members; its offsets can be altered only while it is empty (stop its consumers first)");
            }
        }

        return results;
    }

    /// <summary>
    /// Deletes a group's committed offsets for partitions (OffsetDelete). Group-level failures
    /// (GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP, ...) throw; per-partition errors (GROUP_SUBSCRIBED_TO_TOPIC, ...) are returned.
    /// </summary>
    public async Task<IReadOnlyDictionary<TopicPartition, ErrorCode>> DeleteGroupOffsetsAsync(string groupId, IEnumerable<TopicPartition> partitions, CancellationToken cancellationToken = default)
    {
        var request = new OffsetDeleteRequest { GroupId = groupId };
        var byTopic = new Dictionary<string, OffsetDeleteRequest.OffsetDeleteRequestTopic>(StringComparer.Ordinal);
        foreach (var tp in partitions)
        {
            if (!byTopic.TryGetValue(tp.Topic, out var topic))
            {
                topic = new OffsetDeleteRequest.OffsetDeleteRequestTopic { Name = tp.Topic };
                byTopic[tp.Topic] = topic;
                request.Topics.Add(topic);
            }

            topic.Partitions.Add(new OffsetDeleteRequest.OffsetDeleteRequestPartition { PartitionIndex = tp.Partition });
        }

        var results = await RetryPerItemAsync<string, (ErrorCode Error, OffsetDeleteResponse? Response)>(
            [groupId],
            async (_, _, ct) =>
            {
                var coordinator = await _cluster.FindCoordinatorAsync(groupId, 0, ct).ConfigureAwait(false);
                var connection = await _cluster.GetConnectionAsync(coordinator, ConnectionLane.Coordinator, ct).ConfigureAwait(false);
                var version = connection.RequireVersion(ApiKey.OffsetDelete, 0);
                var response = await connection.SendAsync<OffsetDeleteResponse>(ApiKey.OffsetDelete, version, request, ct).ConfigureAwait(false);
                return new Dictionary<string, (ErrorCode, OffsetDeleteResponse?)>(StringComparer.Ordinal) { [groupId] = ((ErrorCode)response.ErrorCode, response) };
            },
            static r => r.Error,
            static (error, _) => (error, null),
            cancellationToken).ConfigureAwait(false);

        var (groupError, answer) = results[groupId];
        if (groupError != ErrorCode.None)
        {
            throw new KafkaException(groupError, DescribeGroupError(groupId, groupError));
        }

        var perPartition = new Dictionary<TopicPartition, ErrorCode>();
        foreach (var topic in answer!.Topics)
        {
            foreach (var p in topic.Partitions)
            {
                perPartition[new TopicPartition(topic.Name, p.PartitionIndex)] = (ErrorCode)p.ErrorCode;
            }
        }

        return perPartition;
    }

    /// <summary>Decodes a consumer-protocol assignment (version, then topics and partitions); null for other protocols or bad bytes.</summary>
    public static IReadOnlyList<TopicPartition> DecodeConsumerAssignment(ReadOnlyMemory<byte> bytes)
    {
        var result = new List<TopicPartition>();
        if (bytes.Length < 2)
        {
            return result;
        }

        try
        {
            var reader = new KafkaReader(bytes);
            var version = reader.ReadInt16();
            // Newer versions only add fields at the end: read them as the newest we know.
            var assignment = ConsumerProtocolAssignment.Read(ref reader, Math.Min(version, ConsumerProtocolAssignment.HighestSupportedVersion));
            foreach (var topic in assignment.AssignedPartitions)
            {
                foreach (var partition in topic.Partitions)
                {
                    result.Add(new TopicPartition(topic.Topic, partition));
                }
            }
        }
        catch (ProtocolException)
        {
            // Not a consumer assignment after all: show no partitions rather than fail the description.
        }

        return result;
    }

    private async Task<ListGroupsResponse> ListGroupsOnAsync(int nodeId, IReadOnlyCollection<string>? states, CancellationToken cancellationToken)
    {
        var deadline = Deadline();
        while (true)
        {
            try
            {
                var connection = await _cluster.GetConnectionAsync(nodeId, ConnectionLane.Default, cancellationToken).ConfigureAwait(false);
                var version = connection.RequireVersion(ApiKey.ListGroups, 5);
                var request = new ListGroupsRequest();
                if (version >= 4 && states is { Count: > 0 })
                {
                    request.StatesFilter = [.. states];
                }

                var response = await connection.SendAsync<ListGroupsResponse>(ApiKey.ListGroups, version, request, cancellationToken).ConfigureAwait(false);
                if (IsTransient((ErrorCode)response.ErrorCode) && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(Options.RetryBackoff, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                return response;
            }
            catch (KafkaException ex) when (IsTransient(ex.ErrorCode) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(Options.RetryBackoff, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<Dictionary<int, List<string>>> GroupByCoordinatorAsync(IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken)
    {
        var byCoordinator = new Dictionary<int, List<string>>();
        foreach (var groupId in groupIds)
        {
            var coordinator = await _cluster.FindCoordinatorAsync(groupId, 0, cancellationToken).ConfigureAwait(false);
            if (!byCoordinator.TryGetValue(coordinator, out var groups))
            {
                groups = [];
                byCoordinator[coordinator] = groups;
            }

            groups.Add(groupId);
        }

        return byCoordinator;
    }

    private BrokerNode? Node(int nodeId) =>
        _cluster.Metadata.Brokers.TryGetValue(nodeId, out BrokerAddress address) ? new BrokerNode(nodeId, address.Host, address.Port, null) : null;

    private static GroupDescription ToDescription(DescribeGroupsResponse.DescribedGroup group, BrokerNode? coordinator)
    {
        var consumer = group.ProtocolType is "consumer" or "";
        var members = new List<GroupMember>(group.Members.Count);
        foreach (var member in group.Members)
        {
            IReadOnlyList<TopicPartition> assignment = consumer ? DecodeConsumerAssignment(member.MemberAssignment) : [];
            members.Add(new GroupMember(member.MemberId, member.GroupInstanceId, member.ClientId, member.ClientHost, assignment));
        }

        return new GroupDescription(group.GroupId, (ErrorCode)group.ErrorCode, group.GroupState, group.ProtocolType, group.ProtocolData, members, coordinator);
    }

    private static string? DescribeGroupError(string groupId, ErrorCode error) => error switch
    {
        ErrorCode.None => null,
        ErrorCode.GroupIdNotFound => $"Group '{groupId}' does not exist",
        ErrorCode.NonEmptyGroup => $"Group '{groupId}' has active members (it is not empty)",
        ErrorCode.InvalidGroupId => $"'{groupId}' is not a valid group id",
        _ => null,
    };
}
