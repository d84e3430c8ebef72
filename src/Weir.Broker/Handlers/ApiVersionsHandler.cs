using Microsoft.Extensions.DependencyInjection;
using Weir.Broker.Dispatch;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>
/// ApiVersions v0–4. Lists every API this broker serves with the range it accepts (Produce
/// advertises 0 as Kafka 4.0 does, because librdkafka disables compression otherwise). v3+
/// records the client's software name and version. A too-new version is answered by the
/// dispatcher with a v0 UNSUPPORTED_VERSION response (KIP-511).
/// </summary>
public sealed class ApiVersionsHandler(IServiceProvider services) : ApiHandler<ApiVersionsRequest, ApiVersionsResponse>
{
    private ApiVersionsResponse? _cached;

    public override ApiKey Key => ApiKey.ApiVersions;

    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    protected override ValueTask<ApiVersionsResponse?> HandleAsync(RequestContext context, ApiVersionsRequest request, CancellationToken cancellationToken)
    {
        if (context.ApiVersion >= 3)
        {
            context.Connection.ClientSoftwareName = request.ClientSoftwareName;
            context.Connection.ClientSoftwareVersion = request.ClientSoftwareVersion;
        }

        return ValueTask.FromResult<ApiVersionsResponse?>(_cached ??= Build());
    }

    private ApiVersionsResponse Build()
    {
        var registry = services.GetRequiredService<ApiHandlerRegistry>();
        var response = new ApiVersionsResponse();
        foreach (var handler in registry.Handlers)
        {
            response.ApiKeys.Add(new ApiVersionsResponse.ApiVersion
            {
                ApiKey = (short)handler.Key,
                MinVersion = handler.AdvertisedMinVersion,
                MaxVersion = handler.MaxVersion,
            });
        }

        return response;
    }
}
