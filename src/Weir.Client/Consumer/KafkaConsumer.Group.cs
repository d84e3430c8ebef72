using System.Text.RegularExpressions;
using Weir.Client.Cluster;
using Weir.Client.Consumer.Assignors;
using Weir.Client.Network;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Client.Consumer;

/// <summary>Group membership (classic protocol), commits and rebalance callbacks.</summary>
public sealed partial class KafkaConsumer
{
    private readonly IPartitionAssignor[] _assignors;
    private SubscriptionMode _mode;
    private List<string> _subscribedTopics = [];
    private Regex? _pattern;
    private HashSet<string> _joinedTopics = new(StringComparer.Ordinal);
    private string _memberId = string.Empty;
    private volatile int _generation = -1;
    private IPartitionAssignor? _protocol;
    private int? _coordinator;
    private volatile bool _rejoinNeeded;
    private volatile bool _partitionsLost;
    private volatile bool _joining;
    private long _nextSubscriptionCheckMs;
    private long _nextAutoCommitMs;
    private int _autoCommitInFlight;
    private Task? _heartbeatLoop;

    /// <summary>Called with newly assigned partitions after each rebalance (cooperative: only the added ones).</summary>
    public Func<IReadOnlyCollection<TopicPartition>, Task>? PartitionsAssigned { get; set; }

    /// <summary>Called before partitions are taken away (eager: all before each rebalance; cooperative: only those that move; and on close).</summary>
    public Func<IReadOnlyCollection<TopicPartition>, Task>? PartitionsRevoked { get; set; }

    /// <summary>Called when the membership was lost (session expired): others may already own these. Falls back to <see cref="PartitionsRevoked"/>.</summary>
    public Func<IReadOnlyCollection<TopicPartition>, Task>? PartitionsLost { get; set; }

    /// <summary>The member id the coordinator gave this consumer (empty before the first join).</summary>
    public string MemberId => _memberId;

    /// <summary>The group generation this consumer last joined, or -1.</summary>
    public int GenerationId => _generation;

    /// <summary>The assignor the group chose in the last rebalance.</summary>
    public string? AssignmentStrategy => _protocol?.Name;

    /// <summary>The topics subscribed to (for a pattern: those it matched at the last check).</summary>
    public IReadOnlyCollection<string> Subscription => _mode == SubscriptionMode.Pattern ? [.. _joinedTopics] : [.. _subscribedTopics];

    /// <summary>Joins group.id, consuming <paramref name="topics"/>; the join happens in the next poll.</summary>
    public void Subscribe(IEnumerable<string> topics)
    {
        ArgumentNullException.ThrowIfNull(topics);
        BeginSubscribe(SubscriptionMode.Topics);
        _subscribedTopics = [.. topics];
        _pattern = null;
    }

    /// <summary>Joins group.id, consuming every topic matching <paramref name="pattern"/> (checked every metadata.max.age.ms).</summary>
    public void Subscribe(Regex pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        BeginSubscribe(SubscriptionMode.Pattern);
        _pattern = pattern;
        _subscribedTopics = [];
    }

    /// <summary>Leaves the group (revoking all partitions) or drops a manual assignment.</summary>
    public async Task UnsubscribeAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        if (_mode is SubscriptionMode.Topics or SubscriptionMode.Pattern)
        {
            await CloseGroupAsync(cancellationToken).ConfigureAwait(false);
        }

        _mode = SubscriptionMode.None;
        _subscribedTopics = [];
        _pattern = null;
        _joinedTopics.Clear();
        SetAssignment([]);
    }

    private void BeginSubscribe(SubscriptionMode mode)
    {
        ThrowIfDisposed();
        if (_options.GroupId is null)
        {
            throw new InvalidOperationException("To use the group management or offset commit APIs, you must provide a valid group.id in the consumer configuration.");
        }

        if (_mode == SubscriptionMode.Manual)
        {
            throw new InvalidOperationException("Subscription to topics, partitions and pattern are mutually exclusive: unsubscribe before subscribing.");
        }

        _mode = mode;
        _rejoinNeeded = true;
        _nextSubscriptionCheckMs = 0;
    }

    private static IPartitionAssignor[] CreateAssignors(IReadOnlyList<string> names)
    {
        var result = new IPartitionAssignor[names.Count];
        for (var i = 0; i < names.Count; i++)
        {
            result[i] = PartitionAssignors.Create(names[i]);
        }

        return result.Length > 0 ? result : throw new ArgumentException("partition.assignment.strategy is empty.");
    }

    private bool IsGroupMode => _mode is SubscriptionMode.Topics or SubscriptionMode.Pattern;

    private bool GroupNeedsAttention()
    {
        var now = Environment.TickCount64;
        return (IsGroupMode && (_rejoinNeeded || _partitionsLost || _generation < 0 || now >= _nextSubscriptionCheckMs))
            || (_options.EnableAutoCommit && _options.GroupId is not null && now >= _nextAutoCommitMs);
    }

    /// <summary>Runs whatever the group needs before records are handed out: rejoin, lost partitions, a pattern's new topics.</summary>
    private async Task EnsureGroupActiveAsync(CancellationToken cancellationToken)
    {
        if (!IsGroupMode)
        {
            return;
        }

        if (_partitionsLost)
        {
            _partitionsLost = false;
            var lost = Assignment;
            SetAssignment([]);
            _generation = -1;
            if (lost.Count > 0)
            {
                await InvokeAsync(PartitionsLost ?? PartitionsRevoked, lost).ConfigureAwait(false);
            }
        }

        if (Environment.TickCount64 >= _nextSubscriptionCheckMs)
        {
            var topics = await ResolveSubscriptionAsync(cancellationToken).ConfigureAwait(false);
            _nextSubscriptionCheckMs = Environment.TickCount64 + (long)_options.MetadataMaxAge.TotalMilliseconds;
            if (!topics.SetEquals(_joinedTopics))
            {
                _joinedTopics = topics;
                _rejoinNeeded = true;
            }
        }

        while (_generation < 0 || _rejoinNeeded)
        {
            await JoinGroupAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<HashSet<string>> ResolveSubscriptionAsync(CancellationToken cancellationToken)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        if (_mode == SubscriptionMode.Topics)
        {
            // As Java's consumer (allow.auto.create.topics=true): asking for metadata may create the topics.
            await _cluster.RefreshMetadataAsync(_subscribedTopics, true, cancellationToken).ConfigureAwait(false);
            result.UnionWith(_subscribedTopics);
        }
        else
        {
            var metadata = await _cluster.RefreshMetadataAsync(null, false, cancellationToken).ConfigureAwait(false);
            foreach (var topic in metadata.Topics.Values)
            {
                if ((!topic.IsInternal || !_options.ExcludeInternalTopics) && _pattern!.IsMatch(topic.Name))
                {
                    result.Add(topic.Name);
                }
            }
        }

        return result;
    }

    private async Task<int> EnsureCoordinatorAsync(CancellationToken cancellationToken)
    {
        if (_coordinator is { } known)
        {
            return known;
        }

        var node = await _cluster.FindCoordinatorAsync(_options.GroupId!, 0, cancellationToken).ConfigureAwait(false);
        _coordinator = node;
        return node;
    }

    private void CoordinatorUnknown()
    {
        if (_coordinator is { } node)
        {
            _cluster.Forget(node, ConnectionLane.Coordinator);
        }

        _coordinator = null;
    }

    /// <summary>One JoinGroup + SyncGroup round; sets <see cref="_rejoinNeeded"/> again when another round is due.</summary>
    private async Task JoinGroupAsync(CancellationToken cancellationToken)
    {
        _joining = true;
        try
        {
            var owned = Assignment;
            var cooperative = _protocol?.IsCooperative ?? _assignors[0].IsCooperative;
            if (!cooperative && owned.Count > 0)
            {
                // Eager: give everything up before joining.
                await CommitBeforeRevokeAsync(owned, cancellationToken).ConfigureAwait(false);
                await InvokeAsync(PartitionsRevoked, owned).ConfigureAwait(false);
                SetAssignment([]);
                owned = [];
            }

            var coordinator = await EnsureCoordinatorAsync(cancellationToken).ConfigureAwait(false);
            BrokerConnection connection;
            try
            {
                connection = await _cluster.GetConnectionAsync(coordinator, ConnectionLane.Coordinator, cancellationToken).ConfigureAwait(false);
            }
            catch (KafkaException ex) when (ex.ErrorCode == ErrorCode.NetworkException)
            {
                CoordinatorUnknown();
                await Task.Delay(_options.RetryBackoff, cancellationToken).ConfigureAwait(false);
                return;
            }

            var version = connection.RequireVersion(ApiKey.JoinGroup, 9, 1);
            var join = new JoinGroupRequest
            {
                GroupId = _options.GroupId!,
                SessionTimeoutMs = (int)_options.SessionTimeout.TotalMilliseconds,
                RebalanceTimeoutMs = (int)_options.MaxPollInterval.TotalMilliseconds,
                MemberId = _memberId,
                ProtocolType = ConsumerProtocol.ProtocolType,
                Protocols = [],
            };
            if (version >= 5)
            {
                join.GroupInstanceId = _options.GroupInstanceId;
            }

            var topics = new List<string>(_joinedTopics);
            topics.Sort(StringComparer.Ordinal);
            var metadataBytes = ConsumerProtocol.EncodeSubscription(topics, owned, _generation, _options.ClientRack);
            foreach (var assignor in _assignors)
            {
                join.Protocols.Add(new JoinGroupRequest.JoinGroupRequestProtocol { Name = assignor.Name, Metadata = metadataBytes });
            }

            JoinGroupResponse joined;
            try
            {
                // The coordinator holds JoinGroup until every member rejoined; a wait beyond request.timeout.ms
                // ends in RequestTimedOut and the next round rejoins with the same member id.
                joined = await connection.SendAsync<JoinGroupResponse>(ApiKey.JoinGroup, version, join, cancellationToken).ConfigureAwait(false);
            }
            catch (KafkaException ex) when (ex.ErrorCode is ErrorCode.NetworkException or ErrorCode.RequestTimedOut)
            {
                CoordinatorUnknown();
                return;
            }

            var error = (ErrorCode)joined.ErrorCode;
            switch (error)
            {
                case ErrorCode.None:
                    break;
                case ErrorCode.MemberIdRequired:
                    _memberId = joined.MemberId;
                    return;
                case ErrorCode.UnknownMemberId or ErrorCode.IllegalGeneration:
                    _memberId = string.Empty;
                    _generation = -1;
                    return;
                case ErrorCode.RebalanceInProgress:
                    return;
                case ErrorCode.NotCoordinator or ErrorCode.CoordinatorNotAvailable or ErrorCode.CoordinatorLoadInProgress:
                    CoordinatorUnknown();
                    await Task.Delay(_options.RetryBackoff, cancellationToken).ConfigureAwait(false);
                    return;
                default:
                    throw new KafkaException(error, $"JoinGroup for group '{_options.GroupId}'");
            }

            _memberId = joined.MemberId;
            var protocol = FindAssignor(joined.ProtocolName);
            var sync = new SyncGroupRequest
            {
                GroupId = _options.GroupId!,
                GenerationId = joined.GenerationId,
                MemberId = _memberId,
                Assignments = [],
            };
            var syncVersion = connection.RequireVersion(ApiKey.SyncGroup, 5, 0);
            if (syncVersion >= 3)
            {
                sync.GroupInstanceId = _options.GroupInstanceId;
            }

            if (syncVersion >= 5)
            {
                sync.ProtocolType = ConsumerProtocol.ProtocolType;
                sync.ProtocolName = protocol.Name;
            }

            if (joined.Leader == _memberId && !joined.SkipAssignment)
            {
                var assignments = await AssignAsLeaderAsync(protocol, joined.Members, cancellationToken).ConfigureAwait(false);
                foreach (var (member, partitions) in assignments)
                {
                    sync.Assignments.Add(new SyncGroupRequest.SyncGroupRequestAssignment { MemberId = member, Assignment = ConsumerProtocol.EncodeAssignment(partitions) });
                }
            }

            SyncGroupResponse synced;
            try
            {
                synced = await connection.SendAsync<SyncGroupResponse>(ApiKey.SyncGroup, syncVersion, sync, cancellationToken).ConfigureAwait(false);
            }
            catch (KafkaException ex) when (ex.ErrorCode is ErrorCode.NetworkException or ErrorCode.RequestTimedOut)
            {
                CoordinatorUnknown();
                return;
            }

            error = (ErrorCode)synced.ErrorCode;
            switch (error)
            {
                case ErrorCode.None:
                    break;
                case ErrorCode.RebalanceInProgress:
                    return;
                case ErrorCode.UnknownMemberId or ErrorCode.IllegalGeneration:
                    _memberId = string.Empty;
                    _generation = -1;
                    return;
                case ErrorCode.NotCoordinator or ErrorCode.CoordinatorNotAvailable:
                    CoordinatorUnknown();
                    return;
                default:
                    throw new KafkaException(error, $"SyncGroup for group '{_options.GroupId}'");
            }

            _protocol = protocol;
            _generation = joined.GenerationId;
            _rejoinNeeded = false;
            var assigned = new HashSet<TopicPartition>(ConsumerProtocol.DecodeAssignment(synced.Assignment));
            await ApplyAssignmentAsync(assigned, protocol.IsCooperative, cancellationToken).ConfigureAwait(false);
            StartHeartbeats();
        }
        finally
        {
            _joining = false;
        }
    }

    private async Task ApplyAssignmentAsync(HashSet<TopicPartition> assigned, bool cooperative, CancellationToken cancellationToken)
    {
        var owned = new HashSet<TopicPartition>(Assignment);
        var added = new List<TopicPartition>();
        foreach (var tp in assigned)
        {
            if (!owned.Contains(tp))
            {
                added.Add(tp);
            }
        }

        var revoked = new List<TopicPartition>();
        foreach (var tp in owned)
        {
            if (!assigned.Contains(tp))
            {
                revoked.Add(tp);
            }
        }

        if (revoked.Count > 0)
        {
            await CommitBeforeRevokeAsync(revoked, cancellationToken).ConfigureAwait(false);
            await InvokeAsync(PartitionsRevoked, revoked).ConfigureAwait(false);
        }

        SetAssignment(assigned);
        if (cooperative && revoked.Count > 0)
        {
            // Cooperative: the revoked partitions go to their new owners in a follow-up rebalance.
            _rejoinNeeded = true;
        }

        await InvokeAsync(PartitionsAssigned, added).ConfigureAwait(false);
    }

    private async Task<Dictionary<string, List<TopicPartition>>> AssignAsLeaderAsync(IPartitionAssignor assignor, List<JoinGroupResponse.JoinGroupResponseMember> members, CancellationToken cancellationToken)
    {
        var subscriptions = new List<MemberSubscription>(members.Count);
        var topics = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in members)
        {
            var subscription = ConsumerProtocol.DecodeSubscription(member.MemberId, member.GroupInstanceId, member.Metadata);
            subscriptions.Add(subscription);
            topics.UnionWith(subscription.Topics);
        }

        var partitionsPerTopic = new Dictionary<string, int>(StringComparer.Ordinal);
        if (topics.Count > 0)
        {
            var metadata = await _cluster.RefreshMetadataAsync(topics, false, cancellationToken).ConfigureAwait(false);
            foreach (var topic in topics)
            {
                if (metadata.Topic(topic) is { Error: ErrorCode.None } found && found.Partitions.Count > 0)
                {
                    partitionsPerTopic[topic] = found.Partitions.Count;
                }
            }
        }

        return assignor.Assign(partitionsPerTopic, subscriptions);
    }

    private IPartitionAssignor FindAssignor(string? name)
    {
        foreach (var assignor in _assignors)
        {
            if (assignor.Name == name)
            {
                return assignor;
            }
        }

        throw new KafkaException(ErrorCode.InconsistentGroupProtocol, $"The group chose assignor '{name}', which this consumer did not offer");
    }

    private void StartHeartbeats()
    {
        if (_heartbeatLoop is null)
        {
            var token = _closing.Token;
            _heartbeatLoop = Task.Run(() => HeartbeatLoopAsync(token), CancellationToken.None);
        }
    }

    private async Task HeartbeatLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.HeartbeatInterval, cancellationToken).ConfigureAwait(false);
                var generation = _generation;
                if (generation < 0 || _joining || _coordinator is not { } coordinator || !IsGroupMode)
                {
                    continue;
                }

                var connection = await _cluster.GetConnectionAsync(coordinator, ConnectionLane.Coordinator, cancellationToken).ConfigureAwait(false);
                var version = connection.RequireVersion(ApiKey.Heartbeat, 4, 0);
                var request = new HeartbeatRequest { GroupId = _options.GroupId!, GenerationId = generation, MemberId = _memberId };
                if (version >= 3)
                {
                    request.GroupInstanceId = _options.GroupInstanceId;
                }

                var response = await connection.SendAsync<HeartbeatResponse>(ApiKey.Heartbeat, version, request, cancellationToken).ConfigureAwait(false);
                if (generation != _generation)
                {
                    continue;
                }

                switch ((ErrorCode)response.ErrorCode)
                {
                    case ErrorCode.None:
                        break;
                    case ErrorCode.RebalanceInProgress:
                        _rejoinNeeded = true;
                        break;
                    case ErrorCode.UnknownMemberId or ErrorCode.FencedInstanceId:
                        _memberId = string.Empty;
                        _partitionsLost = true;
                        _rejoinNeeded = true;
                        break;
                    case ErrorCode.IllegalGeneration:
                        _partitionsLost = true;
                        _rejoinNeeded = true;
                        break;
                    case ErrorCode.NotCoordinator or ErrorCode.CoordinatorNotAvailable:
                        CoordinatorUnknown();
                        break;
                    default:
                        break;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (KafkaException)
            {
                CoordinatorUnknown();
            }
        }
    }

    private async Task CommitBeforeRevokeAsync(IReadOnlyCollection<TopicPartition> partitions, CancellationToken cancellationToken)
    {
        if (!_options.EnableAutoCommit || _options.GroupId is null)
        {
            return;
        }

        var offsets = Positions(partitions);
        if (offsets.Count > 0)
        {
            try
            {
                await CommitAsync(offsets, cancellationToken).ConfigureAwait(false);
            }
            catch (KafkaException)
            {
                // As Java's consumer: a failed auto-commit before a rebalance is not fatal; the new owner re-reads from the last commit.
            }
        }
    }

    private static async Task InvokeAsync(Func<IReadOnlyCollection<TopicPartition>, Task>? callback, IReadOnlyCollection<TopicPartition> partitions)
    {
        if (callback is not null)
        {
            await callback(partitions).ConfigureAwait(false);
        }
    }

    /// <summary>The positions of the given (or all assigned) partitions, as offsets to commit.</summary>
    private Dictionary<TopicPartition, OffsetAndMetadata> Positions(IReadOnlyCollection<TopicPartition>? partitions)
    {
        var result = new Dictionary<TopicPartition, OffsetAndMetadata>();
        lock (_lock)
        {
            foreach (var state in _partitions.Values)
            {
                if (!state.NeedsPosition && state.Position >= 0 && (partitions is null || partitions.Contains(state.Partition)))
                {
                    result[state.Partition] = new OffsetAndMetadata(state.Position, string.Empty);
                }
            }
        }

        return result;
    }

    /// <summary>Commits the positions of all assigned partitions and waits for the answer.</summary>
    public Task CommitAsync(CancellationToken cancellationToken = default) => CommitAsync(Positions(null), cancellationToken);

    /// <summary>Commits the given offsets (the next offset to read, as Kafka's commitSync) and waits for the answer.</summary>
    public async Task CommitAsync(IReadOnlyDictionary<TopicPartition, OffsetAndMetadata> offsets, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        if (_options.GroupId is null)
        {
            throw new InvalidOperationException("To use the group management or offset commit APIs, you must provide a valid group.id in the consumer configuration.");
        }

        if (offsets.Count == 0)
        {
            return;
        }

        var deadline = DateTime.UtcNow + _options.RequestTimeout;
        while (true)
        {
            var coordinator = await EnsureCoordinatorAsync(cancellationToken).ConfigureAwait(false);
            IReadOnlyDictionary<TopicPartition, ErrorCode> result;
            var generation = IsGroupMode ? _generation : -1;
            try
            {
                result = await _cluster.CommitOffsetsAsync(
                    _options.GroupId, offsets, generation, IsGroupMode ? _memberId : string.Empty, _options.GroupInstanceId, coordinator, cancellationToken).ConfigureAwait(false);
            }
            catch (KafkaException ex) when ((ex.IsRetriable || ex.ErrorCode == ErrorCode.NetworkException) && DateTime.UtcNow < deadline)
            {
                CoordinatorUnknown();
                await Task.Delay(_options.RetryBackoff, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var retry = false;
            foreach (var (tp, error) in result)
            {
                switch (error)
                {
                    case ErrorCode.None:
                        continue;
                    case ErrorCode.NotCoordinator or ErrorCode.CoordinatorNotAvailable or ErrorCode.CoordinatorLoadInProgress or ErrorCode.RequestTimedOut
                        when DateTime.UtcNow < deadline:
                        retry = true;
                        continue;
                    case ErrorCode.RebalanceInProgress or ErrorCode.IllegalGeneration or ErrorCode.UnknownMemberId:
                        _rejoinNeeded = true;
                        throw new KafkaException(error, $"Commit cannot be completed since the group has already rebalanced and assigned {tp} to another member");
                    default:
                        throw new KafkaException(error, $"Commit of {tp}");
                }
            }

            if (!retry)
            {
                return;
            }

            CoordinatorUnknown();
            await Task.Delay(_options.RetryBackoff, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Commits without waiting (Kafka's commitAsync); <paramref name="onComplete"/> gets the outcome.</summary>
    public void CommitInBackground(IReadOnlyDictionary<TopicPartition, OffsetAndMetadata>? offsets = null, Action<IReadOnlyDictionary<TopicPartition, OffsetAndMetadata>, Exception?>? onComplete = null)
    {
        var toCommit = offsets ?? Positions(null);
        _ = Task.Run(async () =>
        {
            Exception? failure = null;
            try
            {
                await CommitAsync(toCommit, _closing.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is KafkaException or OperationCanceledException or ObjectDisposedException)
            {
                failure = ex;
            }

            onComplete?.Invoke(toCommit, failure);
        });
    }

    /// <summary>The committed offsets of the given partitions in group.id (absent: none committed).</summary>
    public async Task<IReadOnlyDictionary<TopicPartition, OffsetAndMetadata>> CommittedAsync(IEnumerable<TopicPartition> partitions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        if (_options.GroupId is null)
        {
            throw new InvalidOperationException("To use the group management or offset commit APIs, you must provide a valid group.id in the consumer configuration.");
        }

        var coordinator = await EnsureCoordinatorAsync(cancellationToken).ConfigureAwait(false);
        return await _cluster.FetchCommittedOffsetsAsync(_options.GroupId, [.. partitions], coordinator, cancellationToken).ConfigureAwait(false);
    }

    private void MaybeAutoCommit()
    {
        if (!_options.EnableAutoCommit || _options.GroupId is null || Environment.TickCount64 < _nextAutoCommitMs)
        {
            return;
        }

        var first = _nextAutoCommitMs == 0;
        _nextAutoCommitMs = Environment.TickCount64 + (long)_options.AutoCommitInterval.TotalMilliseconds;
        if (first || Interlocked.CompareExchange(ref _autoCommitInFlight, 1, 0) != 0)
        {
            return;
        }

        CommitInBackground(null, (_, _) => Volatile.Write(ref _autoCommitInFlight, 0));
    }

    /// <summary>On close or unsubscribe: commit (auto commit), revoke, LeaveGroup.</summary>
    private async Task CloseGroupAsync(CancellationToken cancellationToken)
    {
        if (_options.GroupId is null)
        {
            return;
        }

        if (_options.EnableAutoCommit)
        {
            var offsets = Positions(null);
            if (offsets.Count > 0)
            {
                await CommitAsync(offsets, cancellationToken).ConfigureAwait(false);
            }
        }

        if (!IsGroupMode || _generation < 0)
        {
            return;
        }

        var owned = Assignment;
        if (owned.Count > 0)
        {
            await InvokeAsync(PartitionsRevoked, owned).ConfigureAwait(false);
        }

        var memberId = _memberId;
        _generation = -1;
        if (_options.GroupInstanceId is not null || memberId.Length == 0 || _coordinator is not { } coordinator)
        {
            return; // a static member keeps its place until its session times out, as in Kafka
        }

        var connection = await _cluster.GetConnectionAsync(coordinator, ConnectionLane.Coordinator, cancellationToken).ConfigureAwait(false);
        var version = connection.RequireVersion(ApiKey.LeaveGroup, 5, 0);
        var request = new LeaveGroupRequest { GroupId = _options.GroupId };
        if (version >= 3)
        {
            request.Members = [new LeaveGroupRequest.MemberIdentity { MemberId = memberId, Reason = version >= 5 ? "the consumer is being closed" : null }];
        }
        else
        {
            request.MemberId = memberId;
        }

        await connection.SendAsync<LeaveGroupResponse>(ApiKey.LeaveGroup, version, request, cancellationToken).ConfigureAwait(false);
        _memberId = string.Empty;
    }
}
