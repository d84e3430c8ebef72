using Weir.Broker.Dispatch;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>
/// DescribeCluster v0–1: cluster id, controller id and the registered brokers. Clients reach this node on
/// its broker listeners only, so asking for controllers (endpoint type 2, v1) is a mismatched endpoint.
/// </summary>
public sealed class DescribeClusterHandler(BrokerRuntime runtime) : ApiHandler<DescribeClusterRequest, DescribeClusterResponse>
{
    private const sbyte BrokerEndpoint = 1;
    private const sbyte ControllerEndpoint = 2;

    /// <summary>Every cluster operation (CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE): there is no authorizer.</summary>
    private const int AllClusterOperations = (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);

    public override ApiKey Key => ApiKey.DescribeCluster;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    protected override ValueTask<DescribeClusterResponse?> HandleAsync(RequestContext context, DescribeClusterRequest request, CancellationToken cancellationToken)
    {
        var image = runtime.Metadata.Image;
        var response = new DescribeClusterResponse { ClusterId = image.ClusterId };
        var wanted = context.ApiVersion >= 1 ? request.EndpointType : BrokerEndpoint;
        if (wanted != BrokerEndpoint)
        {
            // v0 has no endpoint codes, so Kafka answers INVALID_REQUEST there.
            response.ErrorCode = (short)(wanted == ControllerEndpoint
                ? (context.ApiVersion == 0 ? ErrorCode.InvalidRequest : ErrorCode.MismatchedEndpointType)
                : (context.ApiVersion == 0 ? ErrorCode.InvalidRequest : ErrorCode.UnsupportedEndpointType));
            response.ErrorMessage = wanted == ControllerEndpoint
                ? "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER"
                : $"Unsupported endpoint type {wanted}";
            return ValueTask.FromResult<DescribeClusterResponse?>(response);
        }

        response.ControllerId = runtime.Config.NodeId;
        response.ClusterAuthorizedOperations = request.IncludeClusterAuthorizedOperations ? AllClusterOperations : int.MinValue;
        foreach (var broker in image.Brokers.Values)
        {
            if (!broker.Fenced)
            {
                response.Brokers.Add(new DescribeClusterResponse.DescribeClusterBroker { BrokerId = broker.NodeId, Host = broker.Host, Port = broker.Port, Rack = broker.Rack });
            }
        }

        return ValueTask.FromResult<DescribeClusterResponse?>(response);
    }
}
