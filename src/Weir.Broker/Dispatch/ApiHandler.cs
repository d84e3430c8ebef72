using Weir.Protocol;
using Weir.Protocol.Primitives;

namespace Weir.Broker.Dispatch;

/// <summary>
/// Base of every handler: decodes the body with the generated request type, then calls the
/// typed <see cref="HandleAsync(RequestContext, TRequest, CancellationToken)"/>. Handlers decode →
/// validate → delegate → respond; logic lives in the coordinator, log or controller it belongs to.
/// </summary>
public abstract class ApiHandler<TRequest, TResponse> : IApiHandler
    where TRequest : IKafkaMessage<TRequest>
    where TResponse : class, IKafkaMessage
{
    public abstract ApiKey Key { get; }

    public abstract short MinVersion { get; }

    public abstract short MaxVersion { get; }

    public virtual short AdvertisedMinVersion => MinVersion;

    public async ValueTask<IKafkaMessage?> HandleAsync(RequestContext context, CancellationToken cancellationToken)
    {
        var request = Decode(context);
        return await HandleAsync(context, request, cancellationToken).ConfigureAwait(false);
    }

    protected abstract ValueTask<TResponse?> HandleAsync(RequestContext context, TRequest request, CancellationToken cancellationToken);

    private static TRequest Decode(RequestContext context)
    {
        var reader = new KafkaReader(context.Body);
        return TRequest.Read(ref reader, context.ApiVersion);
    }
}
