using System.Text;
using Weir.Client.Admin;
using Weir.Client.Consumer;
using Weir.Client.Producer;
using Weir.Protocol.Records;

namespace Weir.Client.Tests;

/// <summary>Weir's producer to Weir's consumer, each codec: everything sent comes back once, as sent, where it was acknowledged.</summary>
public sealed class RoundTripTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private const int Count = 3_000;

    [Theory]
    [InlineData(CompressionType.None)]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public async Task Produced_records_come_back_identical(CompressionType codec)
    {
        var topic = ConsumerTestKit.NewTopic("roundtrip-" + codec.ToString().ToLowerInvariant());
        await using (var admin = new KafkaAdminClient(new AdminOptions { BootstrapServers = broker.Bootstrap }))
        {
            await admin.CreateTopicAsync(new NewTopic(topic, 3, 1));
        }

        var sent = new List<(string Key, string Value, long Timestamp, RecordMetadata Ack)>(Count);
        await using (var producer = new KafkaProducer(new ProducerOptions { BootstrapServers = broker.Bootstrap, Compression = codec }))
        {
            var tasks = new Task<RecordMetadata>[Count];
            var baseTime = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000;
            for (var i = 0; i < Count; i++)
            {
                var headers = new[] { new RecordHeader("seq", Encoding.UTF8.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture))), new RecordHeader("none", null) };
                tasks[i] = producer.ProduceAsync(topic, Encoding.UTF8.GetBytes($"user-{i % 37}"), Encoding.UTF8.GetBytes($"event {i} {new string('x', i % 200)}"), headers, baseTime + i);
            }

            var acks = await Task.WhenAll(tasks);
            for (var i = 0; i < Count; i++)
            {
                sent.Add(($"user-{i % 37}", $"event {i} {new string('x', i % 200)}", baseTime + i, acks[i]));
            }
        }

        await using var consumer = new KafkaConsumer(ConsumerTestKit.Options(broker.Bootstrap));
        consumer.Assign([new TopicPartition(topic, 0), new TopicPartition(topic, 1), new TopicPartition(topic, 2)]);
        var received = await ConsumerTestKit.ReadAsync(consumer, Count);

        Assert.Equal(Count, received.Count);
        var byPosition = received.ToDictionary(r => (r.Partition, r.Offset));
        foreach (var (key, value, timestamp, ack) in sent)
        {
            var record = byPosition[(ack.Partition, ack.Offset)];
            Assert.Equal(key, record.KeyString);
            Assert.Equal(value, record.ValueString);
            Assert.Equal(timestamp, record.Timestamp);
            var seq = record.Headers[0];
            Assert.Equal("seq", seq.Key);
            Assert.Equal(value.Split(' ')[1], Encoding.UTF8.GetString(seq.Value!));
            Assert.Equal(new RecordHeader("none", null), record.Headers[1]);
        }

        // One key, one partition; per partition, offsets 0..n-1 with no gap.
        Assert.All(received.GroupBy(r => r.KeyString), g => Assert.Single(g.Select(r => r.Partition).Distinct()));
        Assert.All(received.GroupBy(r => r.Partition), g => Assert.Equal(Enumerable.Range(0, g.Count()).Select(i => (long)i), g.Select(r => r.Offset).Order()));
    }
}
