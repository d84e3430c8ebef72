using System.Globalization;
using System.Text;
using Weir.Client.Consumer;

namespace Weir.Client.Tests;

public sealed class ConsumerTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    [Theory]
    [InlineData("none")]
    [InlineData("gzip")]
    [InlineData("snappy")]
    [InlineData("lz4")]
    [InlineData("zstd")]
    public async Task Records_produced_by_kcat_are_consumed_identically(string codec)
    {
        var topic = ConsumerTestKit.NewTopic("codec-" + codec);
        await ConsumerTestKit.CreateTopicAsync(broker.Bootstrap, topic, 3);
        var lines = Enumerable.Range(0, 60).Select(i => $"key-{i}:value-{i}-{new string('x', i % 7)}").ToList();
        await ConsumerTestKit.ProduceAsync(broker.Bootstrap, topic, lines, codec, -1, "h1=v1", "h2=two");

        // What librdkafka sees, as the reference.
        var kcat = await ProcessRunner.RunAsync("kcat", ["-b", broker.Bootstrap, "-t", topic, "-C", "-e", "-o", "beginning", "-f", "%p|%o|%T|%k|%s|%h\n"]);
        Assert.True(kcat.ExitCode == 0, kcat.ToString());
        var expected = kcat.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(60, expected.Count);

        await using var consumer = new KafkaConsumer(ConsumerTestKit.Options(broker.Bootstrap));
        consumer.Assign([new(topic, 0), new(topic, 1), new(topic, 2)]);
        var records = await ConsumerTestKit.ReadAsync(consumer, 60);
        var actual = records.Select(r =>
            string.Join('|', r.Partition, r.Offset, r.Timestamp, r.KeyString, r.ValueString,
                string.Join(',', r.Headers.Select(h => h.Key + "=" + Encoding.UTF8.GetString(h.Value!))))).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, actual);
        Assert.All(records, r => Assert.Equal(topic, r.Topic));
    }

    [Fact]
    public async Task Null_keys_and_positions_follow_the_records_handed_out()
    {
        var topic = ConsumerTestKit.NewTopic("pos");
        await ConsumerTestKit.CreateTopicAsync(broker.Bootstrap, topic, 1);
        var produce = await ProcessRunner.RunAsync("kcat", ["-b", broker.Bootstrap, "-t", topic, "-P", "-p", "0"], "a\nb\nc\n");
        Assert.True(produce.ExitCode == 0, produce.ToString());
        await using var consumer = new KafkaConsumer(ConsumerTestKit.Options(broker.Bootstrap, configure: o => o.MaxPollRecords = 2));
        var tp = new TopicPartition(topic, 0);
        consumer.Assign([tp]);
        Assert.Equal(0, await consumer.PositionAsync(tp));
        var first = await ConsumerTestKit.ReadAsync(consumer, 1);
        Assert.Equal(2, first.Count);
        Assert.True(first[0].IsKeyNull);
        Assert.Null(first[0].GetKeyArray());
        Assert.Equal("a", first[0].ValueString);
        Assert.Equal(2, await consumer.PositionAsync(tp));
        var rest = await ConsumerTestKit.ReadAsync(consumer, 1);
        Assert.Equal("c", Assert.Single(rest).ValueString);
        Assert.Equal(3, await consumer.PositionAsync(tp));
    }

    [Fact]
    public async Task Seek_pause_and_resume_behave()
    {
        var topic = ConsumerTestKit.NewTopic("seek");
        await ConsumerTestKit.CreateTopicAsync(broker.Bootstrap, topic, 2);
        await ConsumerTestKit.ProduceAsync(broker.Bootstrap, topic, Enumerable.Range(0, 10).Select(i => $"k{i}:p0-{i}"), partition: 0);
        await ConsumerTestKit.ProduceAsync(broker.Bootstrap, topic, Enumerable.Range(0, 10).Select(i => $"k{i}:p1-{i}"), partition: 1);
        var p0 = new TopicPartition(topic, 0);
        var p1 = new TopicPartition(topic, 1);
        await using var consumer = new KafkaConsumer(ConsumerTestKit.Options(broker.Bootstrap));
        consumer.Assign([p0, p1]);

        // Seek to an offset: the next record is that one.
        consumer.Seek(p0, 7);
        consumer.Pause([p1]);
        Assert.Equal([p1], consumer.Paused);
        var fromSeven = await ConsumerTestKit.ReadAsync(consumer, 3);
        Assert.Equal(["p0-7", "p0-8", "p0-9"], fromSeven.Select(r => r.ValueString));

        // Paused: nothing more from p1 even though it has records.
        Assert.Empty(await consumer.PollAsync(TimeSpan.FromMilliseconds(500)));

        // Resumed: p1 from its (earliest) start.
        consumer.Resume([p1]);
        var p1Records = await ConsumerTestKit.ReadAsync(consumer, 10);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"p1-{i}"), p1Records.Select(r => r.ValueString));

        // Seek to the beginning and the end.
        consumer.SeekToBeginning([p0]);
        Assert.Equal(0, await consumer.PositionAsync(p0));
        var again = await ConsumerTestKit.ReadAsync(consumer, 10);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"p0-{i}"), again.Select(r => r.ValueString));
        consumer.SeekToEnd([p0, p1]);
        Assert.Equal(10, await consumer.PositionAsync(p0));
        Assert.Equal(10, await consumer.PositionAsync(p1));
        Assert.Throws<InvalidOperationException>(() => consumer.Seek(new TopicPartition(topic, 5), 0));
    }

    [Fact]
    public async Task Consume_async_yields_records_as_they_arrive()
    {
        var topic = ConsumerTestKit.NewTopic("stream");
        await ConsumerTestKit.CreateTopicAsync(broker.Bootstrap, topic, 1);
        await using var consumer = new KafkaConsumer(ConsumerTestKit.Options(broker.Bootstrap, configure: o => o.AutoOffsetReset = AutoOffsetReset.Latest));
        var tp = new TopicPartition(topic, 0);
        consumer.Assign([tp]);
        Assert.Equal(0, await consumer.PositionAsync(tp));
        await ConsumerTestKit.ProduceAsync(broker.Bootstrap, topic, ["a:1", "b:2", "c:3"], partition: 0);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var seen = new List<string>();
        await foreach (var record in consumer.ConsumeAsync(cts.Token))
        {
            seen.Add(record.KeyString + "=" + record.ValueString);
            if (seen.Count == 3)
            {
                break;
            }
        }

        Assert.Equal(["a=1", "b=2", "c=3"], seen);
    }

    [Fact]
    public async Task Committed_offsets_survive_a_restart()
    {
        var topic = ConsumerTestKit.NewTopic("commit");
        var group = ConsumerTestKit.NewTopic("group");
        await ConsumerTestKit.CreateTopicAsync(broker.Bootstrap, topic, 1);
        await ConsumerTestKit.ProduceAsync(broker.Bootstrap, topic, Enumerable.Range(0, 10).Select(i => $"k:{i}"), partition: 0);
        var tp = new TopicPartition(topic, 0);
        await using (var consumer = new KafkaConsumer(ConsumerTestKit.Options(broker.Bootstrap, group, o => o.EnableAutoCommit = false)))
        {
            consumer.Subscribe([topic]);
            var records = await ConsumerTestKit.ReadAsync(consumer, 10);
            await consumer.CommitAsync(new Dictionary<TopicPartition, OffsetAndMetadata> { [tp] = new(records[3].Offset + 1, "four done") });
            var committed = await consumer.CommittedAsync([tp]);
            Assert.Equal(4, committed[tp].Offset);
            Assert.Equal("four done", committed[tp].Metadata);
        }

        await using (var consumer = new KafkaConsumer(ConsumerTestKit.Options(broker.Bootstrap, group, o => o.EnableAutoCommit = false)))
        {
            consumer.Subscribe([topic]);
            var records = await ConsumerTestKit.ReadAsync(consumer, 6);
            Assert.Equal(Enumerable.Range(4, 6).Select(i => i.ToString(CultureInfo.InvariantCulture)), records.Select(r => r.ValueString));
        }
    }

    [Fact]
    public async Task Auto_commit_commits_on_close()
    {
        var topic = ConsumerTestKit.NewTopic("autocommit");
        var group = ConsumerTestKit.NewTopic("group");
        await ConsumerTestKit.CreateTopicAsync(broker.Bootstrap, topic, 1);
        await ConsumerTestKit.ProduceAsync(broker.Bootstrap, topic, Enumerable.Range(0, 5).Select(i => $"k:{i}"), partition: 0);
        var tp = new TopicPartition(topic, 0);
        await using (var consumer = new KafkaConsumer(ConsumerTestKit.Options(broker.Bootstrap, group, o => o.AutoCommitInterval = TimeSpan.FromHours(1))))
        {
            consumer.Subscribe([topic]);
            await ConsumerTestKit.ReadAsync(consumer, 5);
        }

        await using var check = new KafkaConsumer(ConsumerTestKit.Options(broker.Bootstrap, group));
        var committed = await check.CommittedAsync([tp]);
        Assert.Equal(5, committed[tp].Offset);
    }

    [Fact]
    public async Task Latest_reset_skips_existing_records_and_earliest_reads_them()
    {
        var topic = ConsumerTestKit.NewTopic("reset");
        await ConsumerTestKit.CreateTopicAsync(broker.Bootstrap, topic, 1);
        await ConsumerTestKit.ProduceAsync(broker.Bootstrap, topic, ["a:1", "b:2"], partition: 0);
        var tp = new TopicPartition(topic, 0);
        await using var latest = new KafkaConsumer(ConsumerTestKit.Options(broker.Bootstrap, configure: o => o.AutoOffsetReset = AutoOffsetReset.Latest));
        latest.Assign([tp]);
        Assert.Equal(2, await latest.PositionAsync(tp));
        await using var none = new KafkaConsumer(ConsumerTestKit.Options(broker.Bootstrap, configure: o => o.AutoOffsetReset = AutoOffsetReset.None));
        none.Assign([tp]);
        var error = await Assert.ThrowsAsync<KafkaException>(() => none.PollAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(Weir.Protocol.ErrorCode.OffsetOutOfRange, error.ErrorCode);
    }
}
