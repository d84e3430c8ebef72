using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using Weir.Broker.Network;
using Weir.Protocol;
using Weir.Protocol.Messages;
using Weir.Protocol.Primitives;

namespace Weir.Broker.Dispatch;

/// <summary>
/// Turns a request frame into a response frame: reads the header, finds the handler, checks the
/// version, runs the handler and writes the response with the header version Kafka uses for it.
/// </summary>
public sealed partial class RequestDispatcher(ApiHandlerRegistry registry, ILogger<RequestDispatcher> logger) : IRequestProcessor
{
    public async ValueTask ProcessAsync(ReadOnlyMemory<byte> frame, PipeWriter output, ClientConnection connection, CancellationToken cancellationToken)
    {
        var context = ReadHeader(frame, connection, out var handler);
        IKafkaMessage? response;
        if (handler is null)
        {
            // Only ApiVersions is answered when the version is unknown (KIP-511): the client learns
            // our range and retries. Kafka closes the connection for any other unusable request.
            response = ApiVersionsFallback(context);
        }
        else
        {
            try
            {
                response = await handler.HandleAsync(context, cancellationToken).ConfigureAwait(false);
            }
            catch (ProtocolException)
            {
                throw;
            }
            catch (UnsupportedVersionException ex)
            {
                throw new ProtocolException($"{context.ApiKey} v{context.ApiVersion}: {ex.Message}", ex);
            }
        }

        if (response is null)
        {
            return;
        }

        WriteResponse(output, context, response);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private RequestContext ReadHeader(ReadOnlyMemory<byte> frame, ClientConnection connection, out IApiHandler? handler)
    {
        var reader = new KafkaReader(frame);
        var apiKey = reader.ReadInt16();
        var apiVersion = reader.ReadInt16();
        handler = registry.Find(apiKey);
        if (handler is null)
        {
            throw new ProtocolException($"Unknown API key {apiKey}.");
        }

        var key = (ApiKey)apiKey;
        var supported = apiVersion >= handler.MinVersion && apiVersion <= handler.MaxVersion;
        if (!supported && key != ApiKey.ApiVersions)
        {
            throw new ProtocolException($"Unsupported version {apiVersion} of {key} (supported {handler.MinVersion}-{handler.MaxVersion}).");
        }

        // Too-new ApiVersions requests are read with the newest header (flexible) and their body is ignored.
        var info = ApiKeys.Get(key);
        var headerVersion = ApiKeys.RequestHeaderVersion(key, Math.Min(apiVersion, info.HighestSupportedVersion));
        var headerReader = new KafkaReader(frame);
        var header = RequestHeader.Read(ref headerReader, headerVersion);
        if (!supported)
        {
            handler = null;
        }

        return new RequestContext(key, apiVersion, header.CorrelationId, header.ClientId, frame[headerReader.Position..], connection);
    }

    private ApiVersionsResponse ApiVersionsFallback(RequestContext context)
    {
        LogUnsupportedApiVersions(logger, context.ApiVersion, context.Connection.Id);
        var own = registry.Find((short)ApiKey.ApiVersions)!;
        return new ApiVersionsResponse
        {
            ErrorCode = (short)ErrorCode.UnsupportedVersion,
            ApiKeys =
            [
                new ApiVersionsResponse.ApiVersion
                {
                    ApiKey = (short)ApiKey.ApiVersions,
                    MinVersion = own.MinVersion,
                    MaxVersion = own.MaxVersion,
                },
            ],
        };
    }

    private static void WriteResponse(PipeWriter output, RequestContext context, IKafkaMessage response)
    {
        // An ApiVersions error for an unknown version is written as v0, which every client can read.
        var bodyVersion = context.ApiKey == ApiKey.ApiVersions && response is ApiVersionsResponse { ErrorCode: (short)ErrorCode.UnsupportedVersion }
            ? (short)0
            : context.ApiVersion;
        var headerVersion = ApiKeys.ResponseHeaderVersion(context.ApiKey, bodyVersion);
        var header = new ResponseHeader { CorrelationId = context.CorrelationId };
        var size = header.ComputeSize(headerVersion) + response.ComputeSize(bodyVersion);
        var span = output.GetSpan(4 + size);
        var writer = new KafkaWriter(span[..(4 + size)]);
        writer.WriteInt32(size);
        header.Write(ref writer, headerVersion);
        response.Write(ref writer, bodyVersion);
        output.Advance(4 + size);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ApiVersions v{Version} from {ConnectionId} is newer than supported; answering with our range")]
    private static partial void LogUnsupportedApiVersions(ILogger logger, short version, string connectionId);
}
