using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Weir.Protocol;
using Weir.Protocol.Compression;
using Weir.Protocol.Messages;
using Weir.Protocol.Records;

namespace Weir.Broker.Tests;

/// <summary>Idempotent producers: duplicates acknowledged with their first offsets, gaps refused, state kept across restarts.</summary>
public sealed class IdempotenceTests : IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "weir-idem-" + Guid.NewGuid().ToString("N"));
    private BrokerHost? _host;

    public async Task InitializeAsync() => _host = await BrokerFixture.StartAsync(_dataDir);

    [Fact]
    public async Task Retried_batches_are_written_once_and_gaps_are_refused_even_after_a_restart()
    {
        const string topic = "idem";
        long producerId;
        using (var connection = await RawConnection.ConnectAsync(_host!.BoundEndPoints[0]))
        {
            var created = await connection.RequestAsync<CreateTopicsResponse>(ApiKey.CreateTopics, 7, new CreateTopicsRequest
            {
                timeoutMs = 5000,
                Topics = [new CreateTopicsRequest.CreatableTopic { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }],
            });
            Assert.Equal(0, Assert.Single(created.Topics).ErrorCode);
            var init = await connection.RequestAsync<InitProducerIdResponse>(ApiKey.InitProducerId, 4, new InitProducerIdRequest { TransactionalId = null, TransactionTimeoutMs = 60000 });
            Assert.Equal(0, init.ErrorCode);
            producerId = init.ProducerId;
            Assert.True(producerId >= 0);

            Assert.Equal((0, 0L), await ProduceAsync(connection, topic, producerId, 0));
            Assert.Equal((0, 10L), await ProduceAsync(connection, topic, producerId, 10));
            // The same batch again (a retry after a lost response): acknowledged with its first offset.
            Assert.Equal((0, 10L), await ProduceAsync(connection, topic, producerId, 10));
            // A gap in the sequence.
            Assert.Equal(((short)ErrorCode.OutOfOrderSequenceNumber, -1L), await ProduceAsync(connection, topic, producerId, 30));
        }

        Assert.Equal(20, LogEndOffset(topic));
        await _host.DisposeAsync();
        _host = await BrokerFixture.StartAsync(_dataDir);

        using (var connection = await RawConnection.ConnectAsync(_host.BoundEndPoints[0]))
        {
            Assert.Equal((0, 10L), await ProduceAsync(connection, topic, producerId, 10));
            Assert.Equal(((short)ErrorCode.OutOfOrderSequenceNumber, -1L), await ProduceAsync(connection, topic, producerId, 30));
            Assert.Equal((0, 20L), await ProduceAsync(connection, topic, producerId, 20));
        }

        Assert.Equal(30, LogEndOffset(topic));
    }

    private long LogEndOffset(string topic) =>
        _host!.Services.GetRequiredService<BrokerRuntime>().Replicas.Get(topic, 0)!.Log.LogEndOffset;

    private static async Task<(short Error, long BaseOffset)> ProduceAsync(RawConnection connection, string topic, long producerId, int baseSequence)
    {
        using var builder = new RecordBatchBuilder { ProducerId = producerId, ProducerEpoch = 0, BaseSequence = baseSequence };
        for (var i = 0; i < 10; i++)
        {
            builder.Append(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, Encoding.UTF8.GetBytes($"seq-{baseSequence + i}"));
        }

        using var buffer = new PooledBufferWriter();
        builder.Build(buffer);
        var response = await connection.RequestAsync<ProduceResponse>(ApiKey.Produce, 9, new ProduceRequest
        {
            Acks = -1,
            TimeoutMs = 5000,
            TopicData = [new ProduceRequest.TopicProduceData { Name = topic, PartitionData = [new ProduceRequest.PartitionProduceData { Index = 0, Records = buffer.WrittenSpan.ToArray() }] }],
        });
        var partition = Assert.Single(Assert.Single(response.Responses).PartitionResponses);
        return (partition.ErrorCode, partition.BaseOffset);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
