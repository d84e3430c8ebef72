using Weir.Broker.Dispatch;
using Weir.Coordinator.Group;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>
/// FindCoordinator v0–6. Groups (key type 0): this broker, once <c>__consumer_offsets</c> exists and
/// the group's partition is loaded (the topic is created on the first request). v4+ batches keys
/// into <c>Coordinators</c>. Transactions (key type 1) answer COORDINATOR_NOT_AVAILABLE until the
/// transaction coordinator exists; other key types INVALID_REQUEST.
/// </summary>
public sealed class FindCoordinatorHandler(BrokerRuntime runtime, GroupCoordinator groups) : ApiHandler<FindCoordinatorRequest, FindCoordinatorResponse>
{
    private const sbyte GroupKeyType = 0;
    private const sbyte TransactionKeyType = 1;

    public override ApiKey Key => ApiKey.FindCoordinator;

    public override short MinVersion => 0;

    public override short MaxVersion => 6;

    protected override async ValueTask<FindCoordinatorResponse?> HandleAsync(RequestContext context, FindCoordinatorRequest request, CancellationToken cancellationToken)
    {
        var response = new FindCoordinatorResponse();
        if (context.ApiVersion < 4)
        {
            var (error, node, host, port) = await FindAsync(request.KeyType, request.Key, cancellationToken).ConfigureAwait(false);
            response.ErrorCode = (short)error;
            response.ErrorMessage = context.ApiVersion >= 1 ? Message(error) : null;
            response.NodeId = node;
            response.Host = host;
            response.Port = port;
            return response;
        }

        foreach (var key in request.CoordinatorKeys)
        {
            var (error, node, host, port) = await FindAsync(request.KeyType, key, cancellationToken).ConfigureAwait(false);
            response.Coordinators.Add(new FindCoordinatorResponse.Coordinator
            {
                Key = key,
                ErrorCode = (short)error,
                ErrorMessage = Message(error),
                NodeId = node,
                Host = host,
                Port = port,
            });
        }

        return response;
    }

    private async ValueTask<(ErrorCode Error, int NodeId, string Host, int Port)> FindAsync(sbyte keyType, string key, CancellationToken cancellationToken)
    {
        switch (keyType)
        {
            case GroupKeyType:
                break;
            case TransactionKeyType:
                return NoNode(ErrorCode.CoordinatorNotAvailable);
            default:
                return NoNode(ErrorCode.InvalidRequest);
        }

        var ready = await runtime.OffsetsTopic.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        if (ready != ErrorCode.None)
        {
            return NoNode(ready);
        }

        if (!groups.IsLoaded(groups.PartitionFor(key)) ||
            !runtime.Metadata.Image.Brokers.TryGetValue(runtime.Config.NodeId, out var self))
        {
            return NoNode(ErrorCode.CoordinatorNotAvailable);
        }

        return (ErrorCode.None, self.NodeId, self.Host, self.Port);
    }

    private static (ErrorCode Error, int NodeId, string Host, int Port) NoNode(ErrorCode error) => (error, -1, string.Empty, -1);

    private static string? Message(ErrorCode error) => error == ErrorCode.None ? null : ErrorCodes.Get(error).Description;
}
