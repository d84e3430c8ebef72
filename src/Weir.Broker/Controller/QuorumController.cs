using Weir.Broker.Config;
using Weir.Broker.Metadata;
using Weir.Protocol;
using Weir.Protocol.Metadata;
using Weir.Storage;

namespace Weir.Broker.Controller;

/// <summary>
/// The active controller (Kafka's QuorumController): each request runs as one event on the controller's
/// own thread, in order — a control manager validates it and decides the records, the records are appended
/// to the metadata quorum, and the caller's task completes once the quorum reports them committed. The
/// control managers' state changes only by replaying committed records (<see cref="HandleCommit"/>), the
/// same path a standby controller would take, so on one voter and under Raft the state is the committed log.
/// <para>
/// Difference from Kafka, deliberately simple for now: Kafka's active controller applies its own records at
/// append (to timeline structures it reverts if they never commit) and keeps deciding; Weir starts no request
/// while any of its records await a commit, so every decision sees committed state. On one voter the commit
/// is immediate and nothing waits.
/// </para>
/// </summary>
public sealed class QuorumController : IController, IMetadataCommitListener, IDisposable
{
    private readonly IMetadataQuorum _quorum;
    private readonly ControllerEventQueue _queue;
    private readonly ClusterControl _cluster;
    private readonly ConfigurationControl _configs;
    private readonly ReplicationControl _replication;
    private readonly ProducerIdControl _producerIds = new();
    private readonly FeatureControl _features = new();

    // Confined to the event thread: completions waiting for their records to commit, in offset order.
    private readonly Queue<(long Offset, DeferredEvent Event)> _deferred = new();
    private long _lastAppendedOffset = -1;
    private long _committedOffset = -1;
    private volatile Exception? _fault;

    /// <param name="quorum">The metadata quorum; the controller registers with it, so create it before the quorum starts.</param>
    /// <param name="config">The broker config (defaults for new topics, this node's id).</param>
    /// <param name="localCapacity">Asked before new replicas are placed on this node; null in socket-free tests.</param>
    public QuorumController(IMetadataQuorum quorum, BrokerConfig config, IReplicaCapacity? localCapacity)
    {
        ArgumentNullException.ThrowIfNull(quorum);
        ArgumentNullException.ThrowIfNull(config);
        _quorum = quorum;
        NodeId = config.NodeId;
        _cluster = new ClusterControl(config.NodeId, localCapacity);
        _configs = new ConfigurationControl(config.NodeId, name => _replication!.TopicExists(name));
        _replication = new ReplicationControl(config, _cluster, _configs);
        _queue = new ControllerEventQueue("weir-controller", () => _lastAppendedOffset <= _committedOffset, e => _fault = e);
        quorum.Register(this);
    }

    public int NodeId { get; }

    /// <summary>The last offset whose records the controller's state includes.</summary>
    public long CommittedOffset => Volatile.Read(ref _committedOffset);

    /// <summary>From the quorum: replayed on the controller's thread before any waiting request.</summary>
    public void HandleCommit(IReadOnlyList<CommittedRecord> records, long lastOffset) =>
        _queue.PostCommit(new CommitEvent(this, records, lastOffset));

    public Task<TopicCreationResult> CreateTopicAsync(TopicCreation creation, bool validateOnly, CancellationToken cancellationToken = default) =>
        Write(() => _replication.CreateTopic(creation, validateOnly), StorageFailure, cancellationToken);

    public Task<TopicCreationResult> AutoCreateTopicAsync(string name, int partitions = -1, CancellationToken cancellationToken = default) =>
        Write(() => _replication.AutoCreateTopic(name, partitions), StorageFailure, cancellationToken);

    public Task<(ErrorCode Error, string? Message)> DeleteTopicAsync(Guid topicId, CancellationToken cancellationToken = default) =>
        Write(() => _replication.DeleteTopic(topicId), e => (ErrorCode.KafkaStorageError, e.Message), cancellationToken);

    public Task<(ErrorCode Error, string? Message)> CreatePartitionsAsync(string topic, int totalCount, IReadOnlyList<int[]>? assignments, bool validateOnly, CancellationToken cancellationToken = default) =>
        Write(() => _replication.CreatePartitions(topic, totalCount, assignments, validateOnly), e => (ErrorCode.KafkaStorageError, e.Message), cancellationToken);

    public Task<(ErrorCode Error, string? Message)> ReplaceConfigsAsync(ConfigResourceKind kind, string resource, IReadOnlyList<(string Name, string Value)> configs, bool validateOnly, CancellationToken cancellationToken = default) =>
        Write(() => _configs.ReplaceConfigs(kind, resource, configs, validateOnly), e => (ErrorCode.KafkaStorageError, e.Message), cancellationToken);

    public Task<(ErrorCode Error, string? Message)> IncrementalAlterConfigsAsync(ConfigResourceKind kind, string resource, IReadOnlyList<ConfigAlteration> alterations, bool validateOnly, CancellationToken cancellationToken = default) =>
        Write(() => _configs.IncrementalAlterConfigs(kind, resource, alterations, validateOnly), e => (ErrorCode.KafkaStorageError, e.Message), cancellationToken);

    public Task<ProducerIdBlock> AllocateProducerIdsAsync(int brokerId, long brokerEpoch, CancellationToken cancellationToken = default) =>
        Write(() => _producerIds.GenerateNextProducerIdBlock(brokerId, brokerEpoch), _ => new ProducerIdBlock(ErrorCode.KafkaStorageError, -1, 0), cancellationToken);

    public Task<BrokerRegistrationReply> RegisterBrokerAsync(BrokerRegistrationInfo registration, CancellationToken cancellationToken = default) =>
        Write(() => _cluster.RegisterBroker(registration, _committedOffset + 1), _ => new BrokerRegistrationReply(ErrorCode.KafkaStorageError, -1), cancellationToken);

    /// <summary>Stops the controller's thread; requests not yet run fail with <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        // After this the event thread has stopped, so its state may be touched here.
        _queue.Dispose();
        var stopped = new ObjectDisposedException(nameof(QuorumController), "The controller has shut down.");
        _fault ??= stopped;
        while (_deferred.TryDequeue(out var waiting))
        {
            waiting.Event.Fail(stopped);
        }
    }

    private static TopicCreationResult StorageFailure(KafkaStorageException e) => new(ErrorCode.KafkaStorageError, e.Message, Guid.Empty, -1, -1);

    private Task<T> Write<T>(Func<ControllerResult<T>> decide, Func<KafkaStorageException, T> onStorageError, CancellationToken cancellationToken)
    {
        var e = new WriteEvent<T>(this, decide, onStorageError, cancellationToken);
        _queue.PostRequest(e);
        return e.Task;
    }

    /// <summary>On the event thread: applies committed records, then answers the requests they complete.</summary>
    private void ReplayCommitted(IReadOnlyList<CommittedRecord> records, long lastOffset)
    {
        foreach (var (record, _) in records)
        {
            Replay(record);
        }

        Volatile.Write(ref _committedOffset, lastOffset);
        while (_deferred.TryPeek(out var waiting) && waiting.Offset <= lastOffset)
        {
            _deferred.Dequeue().Event.Complete();
        }
    }

    private void Replay(IKafkaMessage record)
    {
        switch (record)
        {
            case TopicRecord t:
                _replication.Replay(t);
                break;
            case PartitionRecord p:
                _replication.Replay(p);
                break;
            case PartitionChangeRecord c:
                _replication.Replay(c);
                break;
            case RemoveTopicRecord r:
                _replication.Replay(r);
                break;
            case ConfigRecord c:
                _configs.Replay(c);
                break;
            case RegisterBrokerRecord b:
                _cluster.Replay(b);
                break;
            case ProducerIdsRecord p:
                _producerIds.Replay(p);
                break;
            case FeatureLevelRecord f:
                _features.Replay(f);
                break;
        }
    }

    private sealed class CommitEvent(QuorumController controller, IReadOnlyList<CommittedRecord> records, long lastOffset) : ControllerEvent
    {
        public override void Run() => controller.ReplayCommitted(records, lastOffset);

        public override void Fail(Exception error)
        {
            // A commit that cannot be replayed leaves the controller behind its log: it takes no more work.
            controller._fault ??= error;
        }
    }

    /// <summary>validate → records → append; the answer waits in <see cref="_deferred"/> until the records commit.</summary>
    private abstract class DeferredEvent : ControllerEvent
    {
        /// <summary>Answers the caller: its records are committed.</summary>
        public abstract void Complete();
    }

    private sealed class WriteEvent<T>(QuorumController controller, Func<ControllerResult<T>> decide, Func<KafkaStorageException, T> onStorageError, CancellationToken cancellationToken) : DeferredEvent
    {
        private T? _response;

        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Task => _completion.Task;

        public override void Run()
        {
            if (cancellationToken.IsCancellationRequested)
            {
                _completion.TrySetCanceled(cancellationToken);
                return;
            }

            if (controller._fault is { } fault)
            {
                _completion.TrySetException(new InvalidOperationException("The controller stopped after an internal error.", fault));
                return;
            }

            ControllerResult<T> result;
            try
            {
                result = decide();
            }
            catch (Exception e)
            {
                // A bug in deciding: deciding changes no state, so only this request fails.
                _completion.TrySetException(e);
                return;
            }

            if (result.Records.Count == 0)
            {
                _completion.TrySetResult(result.Response);
                return;
            }

            long offset;
            try
            {
                offset = controller._quorum.Append(result.Records);
            }
            catch (KafkaStorageException e)
            {
                // Nothing of the batch is in the log: nothing to commit, the caller hears why.
                _completion.TrySetResult(onStorageError(e));
                return;
            }

            controller._lastAppendedOffset = offset;
            _response = result.Response;
            controller._deferred.Enqueue((offset, this));
        }

        public override void Complete() => _completion.TrySetResult(_response!);

        public override void Fail(Exception error) => _completion.TrySetException(error);
    }
}
