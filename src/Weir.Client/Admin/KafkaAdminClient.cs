using Weir.Client.Cluster;
using Weir.Client.Network;
using Weir.Protocol;

namespace Weir.Client.Admin;

/// <summary>
/// Kafka's admin operations: topics, configs, consumer groups and their offsets, records and the
/// cluster. Topic and config changes go to the controller (any broker forwards them in KRaft),
/// group operations to the group's coordinator, DeleteRecords and ListOffsets to each partition's
/// leader. Retriable errors (NOT_CONTROLLER, NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS,
/// LEADER_NOT_AVAILABLE, ...) are retried until default.api.timeout.ms; other errors come back per
/// item (batch calls) or as a <see cref="KafkaException"/> naming the item (single-item calls).
/// </summary>
public sealed partial class KafkaAdminClient : IAsyncDisposable
{
    private readonly KafkaCluster _cluster;
    private readonly bool _ownsCluster;

    public KafkaAdminClient(AdminOptions options)
    {
        Options = options;
        _cluster = new KafkaCluster(options);
        _ownsCluster = true;
    }

    /// <summary>An admin client over a cluster connection someone else owns (a consumer's or producer's).</summary>
    public KafkaAdminClient(KafkaCluster cluster, AdminOptions? options = null)
    {
        Options = options ?? new AdminOptions { BootstrapServers = cluster.Options.BootstrapServers, ClientId = cluster.Options.ClientId };
        _cluster = cluster;
    }

    public AdminOptions Options { get; }

    /// <summary>The metadata cache and connections this client uses.</summary>
    public KafkaCluster Cluster => _cluster;

    private DateTime Deadline() => DateTime.UtcNow + Options.DefaultApiTimeout;

    private int TimeoutMs => (int)Math.Min(int.MaxValue, Options.RequestTimeout.TotalMilliseconds);

    /// <summary>
    /// A connection to the active controller when the metadata names one we can reach, else to any
    /// broker (KRaft brokers forward controller requests themselves).
    /// </summary>
    private async Task<BrokerConnection> ControllerConnectionAsync(bool refresh, CancellationToken cancellationToken)
    {
        var metadata = _cluster.Metadata;
        if (refresh || metadata.ControllerId < 0 || !metadata.Brokers.ContainsKey(metadata.ControllerId))
        {
            metadata = await _cluster.RefreshMetadataAsync([], cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        if (metadata.ControllerId >= 0 && metadata.Brokers.ContainsKey(metadata.ControllerId))
        {
            try
            {
                return await _cluster.GetConnectionAsync(metadata.ControllerId, ConnectionLane.Default, cancellationToken).ConfigureAwait(false);
            }
            catch (KafkaException ex) when (ex.ErrorCode == ErrorCode.NetworkException)
            {
                // The controller is unreachable from here: any broker will forward.
            }
        }

        return await _cluster.GetAnyConnectionAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a per-item request until every item has a final answer: items answered with a
    /// retriable error are sent again (after a metadata refresh) until the deadline.
    /// </summary>
    private async Task<Dictionary<TKey, TResult>> RetryPerItemAsync<TKey, TResult>(
        IReadOnlyCollection<TKey> items,
        Func<IReadOnlyCollection<TKey>, bool, CancellationToken, Task<IReadOnlyDictionary<TKey, TResult>>> send,
        Func<TResult, ErrorCode> errorOf,
        Func<ErrorCode, string, TResult> failed,
        CancellationToken cancellationToken)
        where TKey : notnull
    {
        var results = new Dictionary<TKey, TResult>(items.Count);
        var pending = new List<TKey>(items);
        var deadline = Deadline();
        var refresh = false;
        while (pending.Count > 0)
        {
            var retry = new List<TKey>();
            IReadOnlyDictionary<TKey, TResult>? answer = null;
            var lastError = ErrorCode.None;
            try
            {
                answer = await send(pending, refresh, cancellationToken).ConfigureAwait(false);
            }
            catch (KafkaException ex) when (IsTransient(ex.ErrorCode))
            {
                lastError = ex.ErrorCode;
                retry.AddRange(pending);
            }

            if (answer is not null)
            {
                foreach (var item in pending)
                {
                    if (!answer.TryGetValue(item, out var result))
                    {
                        results[item] = failed(ErrorCode.UnknownServerError, "the broker's response did not mention it");
                        continue;
                    }

                    var error = errorOf(result);
                    if (IsTransient(error))
                    {
                        lastError = error;
                        retry.Add(item);
                    }
                    else
                    {
                        results[item] = result;
                    }
                }
            }

            if (retry.Count == 0)
            {
                break;
            }

            if (DateTime.UtcNow > deadline)
            {
                foreach (var item in retry)
                {
                    results[item] = failed(ErrorCode.RequestTimedOut, $"still {lastError.KafkaName()} after {Options.DefaultApiTimeout.TotalMilliseconds:0} ms");
                }

                break;
            }

            pending = retry;
            refresh = true;
            await Task.Delay(Options.RetryBackoff, cancellationToken).ConfigureAwait(false);
        }

        return results;
    }

    /// <summary>
    /// Errors that go away by asking again (the right broker, after a moment). Narrower than Kafka's
    /// "retriable" set: an unknown topic or group is an answer for an admin, not a wait.
    /// </summary>
    private static bool IsTransient(ErrorCode error) => error is ErrorCode.NotController
        or ErrorCode.NotCoordinator or ErrorCode.CoordinatorNotAvailable or ErrorCode.CoordinatorLoadInProgress
        or ErrorCode.LeaderNotAvailable or ErrorCode.NotLeaderOrFollower or ErrorCode.FencedLeaderEpoch or ErrorCode.UnknownLeaderEpoch
        or ErrorCode.NetworkException or ErrorCode.BrokerNotAvailable or ErrorCode.ReplicaNotAvailable
        or ErrorCode.ThrottlingQuotaExceeded;

    public async ValueTask DisposeAsync()
    {
        if (_ownsCluster)
        {
            await _cluster.DisposeAsync().ConfigureAwait(false);
        }
    }
}
