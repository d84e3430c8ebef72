using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Weir.Client;
using Weir.Client.Consumer;
using Weir.Protocol;
using Weir.Protocol.Records;

namespace Weir.Broker.Tests;

/// <summary>
/// Weir.Client's consumer against batches another broker (or an older Weir) might have stored: they
/// are written to the log directly, past the produce validation, and the consumer must fail at them
/// with CORRUPT_MESSAGE naming partition and offset (or skip them when told to), never hand out a
/// lying batch's records or inflate a bomb.
/// </summary>
public sealed class ConsumerCorruptBatchTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_lying_batch_fails_the_consumer_at_its_offset_until_it_seeks_past()
    {
        // offsets 0-2 good, 3-7 a batch claiming 5 records that holds 1, 8-9 good
        var topic = await TopicWithAsync(CraftedBatches.Build(CraftedBatches.Records(1), recordsCount: 5, lastOffsetDelta: 4));
        await using var consumer = Consumer(skipCorrupt: false);
        consumer.Assign([new TopicPartition(topic, 0)]);
        consumer.Seek(new TopicPartition(topic, 0), 0);

        var (values, error) = await PollUntilErrorAsync(consumer);
        Assert.Equal(["a0", "a1", "a2"], values);
        Assert.NotNull(error);
        Assert.Equal(ErrorCode.CorruptMessage, error.ErrorCode);
        Assert.Contains($"{topic}-0", error.Message, StringComparison.Ordinal);
        Assert.Contains("offset 3", error.Message, StringComparison.Ordinal);

        // Still there on the next poll: nothing past it is handed out silently.
        var (again, secondError) = await PollUntilErrorAsync(consumer);
        Assert.Empty(again);
        Assert.NotNull(secondError);
        Assert.Equal(3, await consumer.PositionAsync(new TopicPartition(topic, 0)));

        consumer.Seek(new TopicPartition(topic, 0), 8);
        var (after, none) = await PollUntilErrorAsync(consumer, expected: 2);
        Assert.Null(none);
        Assert.Equal(["c0", "c1"], after);
    }

    [Fact]
    public async Task SkipCorruptBatches_passes_over_a_lying_batch()
    {
        var topic = await TopicWithAsync(CraftedBatches.Build([new(0, "k", "x0"), new(5, "k", "x1"), new(9, "k", "x2")]));
        await using var consumer = Consumer(skipCorrupt: true);
        consumer.Assign([new TopicPartition(topic, 0)]);
        consumer.Seek(new TopicPartition(topic, 0), 0);
        var (values, error) = await PollUntilErrorAsync(consumer, expected: 5);
        Assert.Null(error);
        Assert.Equal(["a0", "a1", "a2", "c0", "c1"], values);
    }

    [Fact]
    public async Task A_stored_zstd_bomb_is_refused_at_the_bound_not_inflated()
    {
        var bomb = CraftedBatches.WithPayload(CraftedBatches.ZstdZeros(8192), 1, 0, (short)CompressionType.Zstd, 0, 0);
        var topic = await TopicWithAsync(bomb);
        await using var consumer = Consumer(skipCorrupt: false);
        consumer.Assign([new TopicPartition(topic, 0)]);
        consumer.Seek(new TopicPartition(topic, 0), 3);
        var (values, error) = await PollUntilErrorAsync(consumer);
        Assert.Empty(values);
        Assert.NotNull(error);
        Assert.Contains("inflate beyond", error.Message, StringComparison.Ordinal);
    }

    private KafkaConsumer Consumer(bool skipCorrupt) => new(new ConsumerOptions
    {
        BootstrapServers = broker.Bootstrap,
        EnableAutoCommit = false,
        SkipCorruptBatches = skipCorrupt,
        FetchMaxWait = TimeSpan.FromMilliseconds(50),
    });

    /// <summary>Values polled until <paramref name="expected"/> arrived, an error, or the deadline.</summary>
    private static async Task<(List<string> Values, KafkaException? Error)> PollUntilErrorAsync(KafkaConsumer consumer, int expected = int.MaxValue)
    {
        var values = new List<string>();
        var deadline = DateTime.UtcNow + Deadline;
        while (values.Count < expected && DateTime.UtcNow < deadline)
        {
            try
            {
                foreach (var record in await consumer.PollAsync(TimeSpan.FromMilliseconds(200)))
                {
                    values.Add(Encoding.UTF8.GetString(record.Value.Span));
                }
            }
            catch (KafkaException e)
            {
                return (values, e);
            }
        }

        return (values, null);
    }

    /// <summary>A one-partition topic: a0-a2 produced, <paramref name="stored"/> written straight into the log, c0-c1 produced.</summary>
    private async Task<string> TopicWithAsync(byte[] stored)
    {
        var topic = "corrupt-" + Guid.NewGuid().ToString("N")[..8];
        using var connection = await RawConnection.ConnectAsync(broker.Host.BoundEndPoints[0]);
        var create = new Protocol.Messages.CreateTopicsRequest { timeoutMs = 5000 };
        create.Topics.Add(new Protocol.Messages.CreateTopicsRequest.CreatableTopic { Name = topic, NumPartitions = 1, ReplicationFactor = 1 });
        var created = await connection.RequestAsync<Protocol.Messages.CreateTopicsResponse>(ApiKey.CreateTopics, 7, create);
        Assert.Equal(0, Assert.Single(created.Topics).ErrorCode);

        Assert.Equal(0, (await ProduceValidationTests.ProduceAsync(connection, topic, CraftedBatches.Build(CraftedBatches.Records(3, "a")))).ErrorCode);
        var partition = broker.Host.Services.GetRequiredService<BrokerRuntime>().Replicas.Get(topic, 0)!;
        lock (partition.AppendLock)
        {
            Assert.Equal(Storage.Log.LogError.None, partition.Log.Append(stored, partition.LeaderEpoch).Error);
            partition.Log.UpdateHighWatermark(partition.Log.LogEndOffset);
        }

        Assert.Equal(0, (await ProduceValidationTests.ProduceAsync(connection, topic, CraftedBatches.Build(CraftedBatches.Records(2, "c")))).ErrorCode);
        return topic;
    }
}
