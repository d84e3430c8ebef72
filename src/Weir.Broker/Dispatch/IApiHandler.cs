using Weir.Protocol;

namespace Weir.Broker.Dispatch;

/// <summary>
/// Serves one Kafka API over the version range it declares. Returns the response to send, or
/// null when none is sent (Produce with acks=0).
/// </summary>
public interface IApiHandler
{
    ApiKey Key { get; }

    short MinVersion { get; }

    short MaxVersion { get; }

    /// <summary>The lowest version ApiVersions advertises; below <see cref="MinVersion"/> only where Kafka does so too (Produce).</summary>
    short AdvertisedMinVersion { get; }

    ValueTask<IKafkaMessage?> HandleAsync(RequestContext context, CancellationToken cancellationToken);
}
