using Weir.Broker.Controller;
using Weir.Broker.Dispatch;
using Weir.Broker.Metadata;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>
/// IncrementalAlterConfigs v0–1: SET, DELETE, APPEND and SUBTRACT (list configs) on topic and broker
/// resources, each resource all or nothing, through the controller; validateOnly checks without writing.
/// </summary>
public sealed class IncrementalAlterConfigsHandler(BrokerRuntime runtime) : ApiHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>
{
    public override ApiKey Key => ApiKey.IncrementalAlterConfigs;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    protected override async ValueTask<IncrementalAlterConfigsResponse?> HandleAsync(RequestContext context, IncrementalAlterConfigsRequest request, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<(sbyte, string), int>();
        foreach (var resource in request.Resources)
        {
            counts[(resource.ResourceType, resource.ResourceName)] = counts.GetValueOrDefault((resource.ResourceType, resource.ResourceName)) + 1;
        }

        var response = new IncrementalAlterConfigsResponse();
        foreach (var resource in request.Resources)
        {
            var (error, message) = counts[(resource.ResourceType, resource.ResourceName)] > 1
                ? (ErrorCode.InvalidRequest, "Each resource must appear at most once.")
                : await AlterAsync(resource, request.ValidateOnly, cancellationToken).ConfigureAwait(false);
            response.Responses.Add(new IncrementalAlterConfigsResponse.AlterConfigsResourceResponse
            {
                ErrorCode = (short)error,
                ErrorMessage = message,
                ResourceType = resource.ResourceType,
                ResourceName = resource.ResourceName,
            });
        }

        return response;
    }

    private async Task<(ErrorCode, string?)> AlterAsync(IncrementalAlterConfigsRequest.AlterConfigsResource resource, bool validateOnly, CancellationToken cancellationToken)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var nulls = new List<string>();
        var alterations = new List<ConfigAlteration>();
        foreach (var config in resource.Configs)
        {
            if (!names.Add(config.Name))
            {
                return (ErrorCode.InvalidRequest, "Error due to duplicate config keys");
            }

            var operation = (ConfigOperation)config.ConfigOperation;
            if (config.Value is null && operation != ConfigOperation.Delete)
            {
                nulls.Add(config.Name);
            }

            alterations.Add(new ConfigAlteration(config.Name, operation, config.Value));
        }

        if (nulls.Count > 0)
        {
            return (ErrorCode.InvalidRequest, "Null value not supported for : " + string.Join(", ", nulls));
        }

        return await runtime.Controller.IncrementalAlterConfigsAsync((ConfigResourceKind)resource.ResourceType, resource.ResourceName, alterations, validateOnly, cancellationToken).ConfigureAwait(false);
    }
}
