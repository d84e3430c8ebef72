using Weir.Protocol;
using Weir.Protocol.GroupCoordinator;

namespace Weir.Coordinator.Group;

/// <summary>
/// Kafka's classic group coordinator (JoinGroup/SyncGroup/Heartbeat/LeaveGroup, static membership,
/// offsets) over the groups whose <c>__consumer_offsets</c> partitions this broker has loaded.
/// Requests and responses are the generated protocol messages, so a broker handler is
/// decode → call → encode. State changes are serialised by one async lock; JoinGroup and SyncGroup
/// park on TaskCompletionSources outside it. Records are appended through <see cref="IGroupStore"/>
/// before the in-memory state they describe is exposed.
/// </summary>
public sealed partial class GroupCoordinator : IDisposable
{
    private readonly GroupCoordinatorConfig _config;
    private readonly IGroupStore _store;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly CoordinatorTimer _timer;
    private readonly ITimer _cleanupTimer;
    private readonly HashSet<int> _loadedPartitions = [];
    private int _disposed;
    private readonly Dictionary<string, ClassicGroup> _groups = new(StringComparer.Ordinal);

    // group -> topic -> partition -> committed offset
    private readonly Dictionary<string, Dictionary<string, Dictionary<int, OffsetAndMetadata>>> _offsets =
        new(StringComparer.Ordinal);

    public GroupCoordinator(GroupCoordinatorConfig config, IGroupStore store, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        _config = config;
        _store = store;
        _time = time;
        _timer = new CoordinatorTimer(time, FireAsync);
        var interval = TimeSpan.FromMilliseconds(config.OffsetsRetentionCheckIntervalMs);
        _cleanupTimer = time.CreateTimer(
            static state => _ = ((GroupCoordinator)state!).CleanupGroupMetadataAsync(CancellationToken.None).AsTask(),
            this,
            interval,
            interval);
    }

    /// <summary>The <c>__consumer_offsets</c> partition that owns <paramref name="groupId"/>.</summary>
    public int PartitionFor(string groupId) =>
        OffsetsTopicPartitioner.PartitionFor(groupId, _config.OffsetsTopicNumPartitions);

    /// <summary>Whether this coordinator serves <paramref name="partition"/> (it was loaded and not unloaded).</summary>
    public bool IsLoaded(int partition)
    {
        _lock.Wait();
        try
        {
            return _loadedPartitions.Contains(partition);
        }
        finally
        {
            _lock.Release();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _cleanupTimer.Dispose();
        _lock.Wait();
        try
        {
            _timer.Dispose();
        }
        finally
        {
            _lock.Release();
        }
        _lock.Dispose();
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static TaskCompletionSource<T> NewFuture<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private bool Owns(string groupId) => _loadedPartitions.Contains(PartitionFor(groupId));

    private async Task FireAsync(CoordinatorTimer.Entry entry)
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_timer.TryClaim(entry))
            {
                await entry.Action().ConfigureAwait(false);
            }
        }
        catch (ObjectDisposedException)
        {
            // Expiry racing with Dispose: nothing left to do.
        }
        finally
        {
            ReleaseQuietly();
        }
    }

    private void ReleaseQuietly()
    {
        try
        {
            _lock.Release();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Appends records for one partition; a store failure becomes the error a client should see.</summary>
    private async ValueTask<ErrorCode> AppendAsync(int partition, List<GroupRecord> records)
    {
        if (records.Count == 0)
        {
            return ErrorCode.None;
        }
        try
        {
            // Not the caller's token: an append, once started, is waited for so memory matches the log.
            await _store.AppendAsync(partition, records, CancellationToken.None).ConfigureAwait(false);
            return ErrorCode.None;
        }
        catch (GroupStoreException e)
        {
            return MapAppendError(e.Error);
        }
    }

    private static ErrorCode MapAppendError(ErrorCode error) => error switch
    {
        ErrorCode.UnknownTopicOrPartition or ErrorCode.NotEnoughReplicas or ErrorCode.NotEnoughReplicasAfterAppend
            or ErrorCode.RequestTimedOut => ErrorCode.CoordinatorNotAvailable,
        ErrorCode.NotLeaderOrFollower or ErrorCode.KafkaStorageError => ErrorCode.NotCoordinator,
        ErrorCode.MessageTooLarge or ErrorCode.RecordListTooLarge or ErrorCode.InvalidFetchSize => ErrorCode.UnknownServerError,
        _ => error,
    };

    private static string JoinKey(string groupId) => "join-" + groupId;

    private static string SyncKey(string groupId) => "sync-" + groupId;

    private static string HeartbeatKey(string groupId, string memberId) => "heartbeat-" + groupId + "-" + memberId;

    private GroupRecord GroupMetadataRecord(ClassicGroup group, Func<ClassicGroupMember, byte[]> assignment) =>
        GroupRecordSerde.GroupMetadata(group.GroupId, group.ToRecordValue(assignment));

    private GroupRecord EmptyGroupMetadataRecord(string groupId) =>
        GroupRecordSerde.GroupMetadata(groupId, new GroupMetadataValue
        {
            protocolType = "",
            generation = 0,
            protocol = null,
            leader = null,
            currentStateTimestamp = NowMs,
        });
}
