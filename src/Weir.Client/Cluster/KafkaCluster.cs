using System.Collections.Concurrent;
using Weir.Client.Network;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Client.Cluster;

/// <summary>
/// What producers, consumers and admin clients share: the bootstrap list, the metadata cache and
/// one pooled connection per broker and lane. Lanes keep slow requests (long-poll fetches) from
/// delaying others (heartbeats) on a broker that answers one request per connection at a time.
/// </summary>
public sealed class KafkaCluster : IAsyncDisposable
{
    private readonly ClientOptions _options;
    private readonly IReadOnlyList<BrokerAddress> _bootstrap;
    private readonly ConcurrentDictionary<(int NodeId, ConnectionLane Lane), Lazy<Task<BrokerConnection>>> _connections = new();
    private readonly SemaphoreSlim _metadataLock = new(1, 1);
    private volatile ClusterMetadata _metadata = ClusterMetadata.Empty;
    private DateTime _metadataUpdatedUtc = DateTime.MinValue;
    private int _nextBootstrap;
    private bool _disposed;

    public KafkaCluster(ClientOptions options)
    {
        _options = options;
        _bootstrap = BrokerAddress.ParseList(options.BootstrapServers);
    }

    public ClientOptions Options => _options;

    /// <summary>The latest metadata snapshot (possibly empty before the first refresh).</summary>
    public ClusterMetadata Metadata => _metadata;

    /// <summary>True when the cached metadata is older than metadata.max.age.ms.</summary>
    public bool MetadataIsStale => DateTime.UtcNow - _metadataUpdatedUtc > _options.MetadataMaxAge;

    /// <summary>
    /// Asks a broker for metadata of <paramref name="topics"/> (null: every topic) and merges the answer
    /// into the cache. Topic errors are kept in the returned topics, not thrown.
    /// </summary>
    public async Task<ClusterMetadata> RefreshMetadataAsync(IReadOnlyCollection<string>? topics, bool allowAutoTopicCreation = false, CancellationToken cancellationToken = default)
    {
        var response = await SendToAnyAsync(
            connection =>
            {
                var version = connection.RequireVersion(ApiKey.Metadata, 12, 1);
                // Null topics asks for every topic (v1+); an empty list asks for none.
                var request = new MetadataRequest { Topics = null };
                if (topics is not null)
                {
                    request.Topics = new List<MetadataRequest.MetadataRequestTopic>(topics.Count);
                    foreach (var topic in topics)
                    {
                        request.Topics.Add(new MetadataRequest.MetadataRequestTopic { Name = topic });
                    }
                }

                if (version >= 4)
                {
                    request.AllowAutoTopicCreation = allowAutoTopicCreation;
                }

                return (version, request);
            },
            static (connection, version, request, ct) => connection.SendAsync<MetadataResponse>(ApiKey.Metadata, version, request, ct),
            cancellationToken).ConfigureAwait(false);

        await _metadataLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _metadata = Merge(_metadata, response, replaceTopics: topics is null);
            _metadataUpdatedUtc = DateTime.UtcNow;
            return _metadata;
        }
        finally
        {
            _metadataLock.Release();
        }
    }

    /// <summary>Metadata of one topic, from the cache when fresh, else from a broker.
    /// Throws UNKNOWN_TOPIC_OR_PARTITION (or the topic's error) when the topic cannot be used.</summary>
    public async Task<TopicMetadata> GetTopicAsync(string topic, bool allowAutoTopicCreation = false, CancellationToken cancellationToken = default)
    {
        var cached = _metadata.Topic(topic);
        if (cached is { Error: ErrorCode.None } && !MetadataIsStale)
        {
            return cached;
        }

        var deadline = DateTime.UtcNow + _options.RequestTimeout;
        while (true)
        {
            var metadata = await RefreshMetadataAsync([topic], allowAutoTopicCreation, cancellationToken).ConfigureAwait(false);
            var found = metadata.Topic(topic);
            if (found is { Error: ErrorCode.None } && found.Partitions.Count > 0)
            {
                return found;
            }

            var error = found?.Error ?? ErrorCode.UnknownTopicOrPartition;
            // A topic just created (or auto-created) has no leaders for a moment: retry those. An
            // unknown topic is final unless the broker is creating it for us.
            var retry = error is ErrorCode.None or ErrorCode.LeaderNotAvailable
                || (error == ErrorCode.UnknownTopicOrPartition && allowAutoTopicCreation);
            if (!retry || DateTime.UtcNow > deadline)
            {
                throw new KafkaException(error == ErrorCode.None ? ErrorCode.LeaderNotAvailable : error, $"Topic '{topic}'");
            }

            await Task.Delay(_options.RetryBackoff, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The pooled connection to broker <paramref name="nodeId"/> on <paramref name="lane"/>, made on first use.</summary>
    public async Task<BrokerConnection> GetConnectionAsync(int nodeId, ConnectionLane lane = ConnectionLane.Default, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var key = (nodeId, lane);
        while (true)
        {
            // Static factory with state: no delegate allocated per request, only when a connection is made.
            var lazy = _connections.GetOrAdd(key, static (k, self) => new Lazy<Task<BrokerConnection>>(() => self.ConnectToNodeAsync(k.NodeId)), this);
            BrokerConnection connection;
            try
            {
                connection = await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                _connections.TryRemove(new KeyValuePair<(int, ConnectionLane), Lazy<Task<BrokerConnection>>>(key, lazy));
                throw;
            }

            if (connection.IsHealthy)
            {
                return connection;
            }

            // Broken: drop it (once) and connect again.
            if (_connections.TryRemove(new KeyValuePair<(int, ConnectionLane), Lazy<Task<BrokerConnection>>>(key, lazy)))
            {
                _ = connection.DisposeAsync().AsTask();
            }
        }
    }

    /// <summary>Any usable connection: a known broker's, else the bootstrap servers' in turn.</summary>
    public async Task<BrokerConnection> GetAnyConnectionAsync(CancellationToken cancellationToken = default)
    {
        foreach (var entry in _connections)
        {
            if (entry.Key.Lane == ConnectionLane.Default && entry.Value.IsValueCreated && entry.Value.Value.IsCompletedSuccessfully
                && entry.Value.Value.Result.IsHealthy)
            {
                return entry.Value.Value.Result;
            }
        }

        Exception? last = null;
        foreach (var nodeId in _metadata.Brokers.Keys)
        {
            try
            {
                return await GetConnectionAsync(nodeId, ConnectionLane.Default, cancellationToken).ConfigureAwait(false);
            }
            catch (KafkaException ex) when (ex.ErrorCode == ErrorCode.NetworkException)
            {
                last = ex;
            }
        }

        for (var i = 0; i < _bootstrap.Count; i++)
        {
            // Bootstrap connections get negative ids so they never collide with a node's.
            var index = (Interlocked.Increment(ref _nextBootstrap) & int.MaxValue) % _bootstrap.Count;
            try
            {
                return await GetConnectionAsync(-1 - index, ConnectionLane.Default, cancellationToken).ConfigureAwait(false);
            }
            catch (KafkaException ex) when (ex.ErrorCode == ErrorCode.NetworkException)
            {
                last = ex;
            }
        }

        throw new KafkaException(ErrorCode.NetworkException, $"No broker reachable (bootstrap.servers={_options.BootstrapServers}).", last);
    }

    /// <summary>
    /// Sends to any broker, retrying on another connection when one breaks (until request.timeout.ms).
    /// </summary>
    public async Task<TResponse> SendToAnyAsync<TResponse>(
        Func<BrokerConnection, (short Version, IKafkaMessage Request)> build,
        Func<BrokerConnection, short, IKafkaMessage, CancellationToken, Task<TResponse>> send,
        CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + _options.RequestTimeout;
        while (true)
        {
            BrokerConnection? connection = null;
            try
            {
                connection = await GetAnyConnectionAsync(cancellationToken).ConfigureAwait(false);
                var (version, request) = build(connection);
                return await send(connection, version, request, cancellationToken).ConfigureAwait(false);
            }
            catch (KafkaException ex) when (ex.ErrorCode == ErrorCode.NetworkException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(_options.RetryBackoff, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>FindCoordinator for a group (keyType 0) or transactional id (1), retried while the coordinator is loading.</summary>
    public async Task<int> FindCoordinatorAsync(string key, sbyte keyType = 0, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + _options.RequestTimeout;
        while (true)
        {
            var (error, message, nodeId, address) = await SendToAnyAsync(
                connection =>
                {
                    var version = connection.RequireVersion(ApiKey.FindCoordinator, 4);
                    var request = new FindCoordinatorRequest();
                    if (version >= 4)
                    {
                        request.CoordinatorKeys = [key];
                    }
                    else
                    {
                        request.Key = key;
                    }

                    if (version >= 1)
                    {
                        request.KeyType = keyType;
                    }

                    return (version, request);
                },
                static async (connection, version, request, ct) =>
                {
                    var response = await connection.SendAsync<FindCoordinatorResponse>(ApiKey.FindCoordinator, version, request, ct).ConfigureAwait(false);
                    if (version >= 4)
                    {
                        var c = response.Coordinators.Count > 0 ? response.Coordinators[0] : null;
                        return c is null
                            ? ((short)ErrorCode.CoordinatorNotAvailable, (string?)"no coordinator in the response", -1, default(BrokerAddress))
                            : (c.ErrorCode, c.ErrorMessage, c.NodeId, new BrokerAddress(c.Host, c.Port));
                    }

                    return (response.ErrorCode, response.ErrorMessage, response.NodeId, new BrokerAddress(response.Host, response.Port));
                },
                cancellationToken).ConfigureAwait(false);

            if (error == 0)
            {
                LearnBroker(nodeId, address);
                return nodeId;
            }

            var code = (ErrorCode)error;
            if (!code.IsRetriable() || DateTime.UtcNow > deadline)
            {
                throw new KafkaException(code, message is null or "" ? $"FindCoordinator for '{key}'" : $"FindCoordinator for '{key}': {message}");
            }

            await Task.Delay(_options.RetryBackoff, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Drops the pooled connection to a node (after a broker said it is not the leader, etc.), so the next use reconnects.</summary>
    public void Forget(int nodeId, ConnectionLane lane = ConnectionLane.Default)
    {
        if (_connections.TryRemove((nodeId, lane), out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
        {
            _ = lazy.Value.Result.DisposeAsync().AsTask();
        }
    }

    private void LearnBroker(int nodeId, BrokerAddress address)
    {
        var current = _metadata;
        if (current.Brokers.TryGetValue(nodeId, out var known) && known == address)
        {
            return;
        }

        var brokers = new Dictionary<int, BrokerAddress>(current.Brokers) { [nodeId] = address };
        _metadata = new ClusterMetadata(current.ClusterId, current.ControllerId, brokers, current.Topics);
    }

    private Task<BrokerConnection> ConnectToNodeAsync(int nodeId)
    {
        BrokerAddress address;
        if (nodeId < 0)
        {
            address = _bootstrap[-1 - nodeId];
        }
        else if (!_metadata.Brokers.TryGetValue(nodeId, out address))
        {
            return Task.FromException<BrokerConnection>(new KafkaException(ErrorCode.NetworkException, $"Broker {nodeId} is not in the cluster metadata."));
        }

        return BrokerConnection.ConnectAsync(address, nodeId, _options, CancellationToken.None);
    }

    private static ClusterMetadata Merge(ClusterMetadata current, MetadataResponse response, bool replaceTopics)
    {
        var brokers = new Dictionary<int, BrokerAddress>(response.Brokers.Count);
        foreach (var broker in response.Brokers)
        {
            brokers[broker.NodeId] = new BrokerAddress(broker.Host, broker.Port);
        }

        var topics = replaceTopics
            ? new Dictionary<string, TopicMetadata>(StringComparer.Ordinal)
            : new Dictionary<string, TopicMetadata>(current.Topics, StringComparer.Ordinal);
        foreach (var topic in response.Topics)
        {
            if (topic.Name is null)
            {
                continue;
            }

            var partitions = new PartitionMetadata[topic.Partitions.Count];
            foreach (var p in topic.Partitions)
            {
                var partition = new PartitionMetadata(p.PartitionIndex, p.LeaderId, p.LeaderEpoch, p.ReplicaNodes, p.IsrNodes, p.OfflineReplicas, (ErrorCode)p.ErrorCode);
                if (p.PartitionIndex >= 0 && p.PartitionIndex < partitions.Length)
                {
                    partitions[p.PartitionIndex] = partition;
                }
            }

            if (Array.IndexOf(partitions, null) >= 0)
            {
                // Partition indexes were not 0..n-1; keep them in the order given.
                partitions = [.. topic.Partitions.Select(p => new PartitionMetadata(p.PartitionIndex, p.LeaderId, p.LeaderEpoch, p.ReplicaNodes, p.IsrNodes, p.OfflineReplicas, (ErrorCode)p.ErrorCode))];
            }

            topics[topic.Name] = new TopicMetadata(topic.Name, topic.TopicId, (ErrorCode)topic.ErrorCode, topic.IsInternal, partitions);
        }

        return new ClusterMetadata(response.ClusterId, response.ControllerId, brokers, topics);
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        foreach (var entry in _connections)
        {
            if (_connections.TryRemove(entry.Key, out var lazy) && lazy.IsValueCreated)
            {
                try
                {
                    var connection = await lazy.Value.ConfigureAwait(false);
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
                catch (KafkaException)
                {
                    // Never connected: nothing to close.
                }
            }
        }

        _metadataLock.Dispose();
    }
}
