using Weir.Broker.Dispatch;
using Weir.Broker.Metadata;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>
/// AlterConfigs v0–2 (legacy): each topic or broker resource's dynamic configs are replaced by the given
/// set, through the controller so they persist in the metadata log; validateOnly checks without writing.
/// </summary>
public sealed class AlterConfigsHandler(BrokerRuntime runtime) : ApiHandler<AlterConfigsRequest, AlterConfigsResponse>
{
    public override ApiKey Key => ApiKey.AlterConfigs;

    public override short MinVersion => 0;

    public override short MaxVersion => 2;

    protected override async ValueTask<AlterConfigsResponse?> HandleAsync(RequestContext context, AlterConfigsRequest request, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<(sbyte, string), int>();
        foreach (var resource in request.Resources)
        {
            counts[(resource.ResourceType, resource.ResourceName)] = counts.GetValueOrDefault((resource.ResourceType, resource.ResourceName)) + 1;
        }

        var response = new AlterConfigsResponse();
        foreach (var resource in request.Resources)
        {
            var (error, message) = counts[(resource.ResourceType, resource.ResourceName)] > 1
                ? (ErrorCode.InvalidRequest, "Each resource must appear at most once.")
                : await AlterAsync(resource, request.ValidateOnly, cancellationToken).ConfigureAwait(false);
            response.Responses.Add(new AlterConfigsResponse.AlterConfigsResourceResponse
            {
                ErrorCode = (short)error,
                ErrorMessage = message,
                ResourceType = resource.ResourceType,
                ResourceName = resource.ResourceName,
            });
        }

        return response;
    }

    private async Task<(ErrorCode, string?)> AlterAsync(AlterConfigsRequest.AlterConfigsResource resource, bool validateOnly, CancellationToken cancellationToken)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var nulls = new List<string>();
        var configs = new List<(string, string)>();
        foreach (var config in resource.Configs)
        {
            if (!names.Add(config.Name))
            {
                return (ErrorCode.InvalidRequest, "Error due to duplicate config keys");
            }

            if (config.Value is null)
            {
                nulls.Add(config.Name);
            }
            else
            {
                configs.Add((config.Name, config.Value));
            }
        }

        if (nulls.Count > 0)
        {
            return (ErrorCode.InvalidRequest, "Null value not supported for : " + string.Join(", ", nulls));
        }

        return await runtime.Controller.ReplaceConfigsAsync((ConfigResourceKind)resource.ResourceType, resource.ResourceName, configs, validateOnly, cancellationToken).ConfigureAwait(false);
    }
}
