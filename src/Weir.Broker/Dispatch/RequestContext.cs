using Weir.Broker.Network;
using Weir.Protocol;

namespace Weir.Broker.Dispatch;

/// <summary>One decoded request header and the undecoded body it came with.</summary>
public sealed class RequestContext(
    ApiKey apiKey,
    short apiVersion,
    int correlationId,
    string? clientId,
    ReadOnlyMemory<byte> body,
    ClientConnection connection)
{
    public ApiKey ApiKey { get; } = apiKey;

    public short ApiVersion { get; } = apiVersion;

    public int CorrelationId { get; } = correlationId;

    public string? ClientId { get; } = clientId;

    /// <summary>The request body; valid only until the response is written.</summary>
    public ReadOnlyMemory<byte> Body { get; } = body;

    public ClientConnection Connection { get; } = connection;
}
