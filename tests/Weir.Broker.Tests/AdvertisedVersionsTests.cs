using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Weir.Broker.Dispatch;
using Weir.Protocol;
using Weir.Protocol.Messages;
using Weir.Protocol.Primitives;

namespace Weir.Broker.Tests;

/// <summary>
/// ApiVersions advertises exactly what is served: every version of every advertised range,
/// sent as a default request through the generated codecs, gets a response that decodes at that
/// version to its last byte. The one exception is Produce v0–2 (message format v0/v1), advertised
/// for librdkafka's sake as Kafka 4.0 does and refused.
/// </summary>
public sealed class AdvertisedVersionsTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private const short ProduceRefusedBelow = 3;

    private static readonly MethodInfo DecodeMethod = typeof(AdvertisedVersionsTests).GetMethod(nameof(DecodeFully), BindingFlags.NonPublic | BindingFlags.Static)!;

    private Task<RawConnection> ConnectAsync() => RawConnection.ConnectAsync(broker.Host.BoundEndPoints[0]);

    [Fact]
    public async Task Every_advertised_version_of_every_api_gets_a_response_of_that_version()
    {
        using var connection = await ConnectAsync();
        var advertised = await connection.RequestAsync<ApiVersionsResponse>(ApiKey.ApiVersions, 3, new ApiVersionsRequest { ClientSoftwareName = "weir-test", ClientSoftwareVersion = "1" });
        var registry = broker.Host.Services.GetRequiredService<ApiHandlerRegistry>();
        Assert.Equal(registry.Handlers.Count, advertised.ApiKeys.Count);

        var failures = new List<string>();
        foreach (var range in advertised.ApiKeys)
        {
            var handler = registry.Find(range.ApiKey)!;
            var (requestType, responseType) = MessageTypes(handler);
            for (var version = range.MinVersion; version <= range.MaxVersion; version++)
            {
                var key = (ApiKey)range.ApiKey;
                if (key == ApiKey.Produce && version < ProduceRefusedBelow)
                {
                    continue;
                }

                var request = (IKafkaMessage)Activator.CreateInstance(requestType)!;
                if (request is ProduceRequest produce)
                {
                    produce.Acks = 1; // acks=0 has no response
                }

                using var conn = await ConnectAsync();
                await conn.SendRawAsync(conn.Frame(key, version, request));
                byte[]? frame;
                try
                {
                    frame = await conn.ReadFrameAsync();
                }
                catch (TimeoutException)
                {
                    failures.Add($"{key} v{version}: no response");
                    continue;
                }

                if (frame is null)
                {
                    failures.Add($"{key} v{version}: connection closed");
                    continue;
                }

                try
                {
                    var headerVersion = key == ApiKey.ApiVersions ? (short)0 : ApiKeys.ResponseHeaderVersion(key, version);
                    DecodeMethod.MakeGenericMethod(responseType).Invoke(null, [frame, headerVersion, version]);
                }
                catch (TargetInvocationException ex)
                {
                    failures.Add($"{key} v{version}: {ex.InnerException?.Message}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Produce_below_v3_is_advertised_but_refused(short version)
    {
        using var connection = await ConnectAsync();
        await connection.SendRawAsync(connection.Frame(ApiKey.Produce, version, new ProduceRequest()));
        Assert.True(await connection.IsClosedByPeerAsync());
    }

    private static (Type Request, Type Response) MessageTypes(IApiHandler handler)
    {
        for (var type = handler.GetType(); type is not null; type = type.BaseType)
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ApiHandler<,>))
            {
                var args = type.GetGenericArguments();
                return (args[0], args[1]);
            }
        }

        throw new InvalidOperationException($"{handler.GetType().Name} is not an ApiHandler<,>.");
    }

    private static void DecodeFully<TResponse>(byte[] frame, short headerVersion, short version)
        where TResponse : IKafkaMessage<TResponse>
    {
        var reader = new KafkaReader(frame);
        ResponseHeader.Read(ref reader, headerVersion);
        TResponse.Read(ref reader, version);
        if (reader.Position != frame.Length)
        {
            throw new InvalidDataException($"{frame.Length - reader.Position} bytes left after the v{version} response");
        }
    }
}
