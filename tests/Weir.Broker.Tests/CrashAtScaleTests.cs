using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Weir.Client;
using Weir.Client.Admin;
using Weir.Client.Consumer;
using Weir.Client.Producer;

namespace Weir.Broker.Tests;

/// <summary>
/// kill -9 under load with 1,000 partitions and <c>__consumer_offsets</c> in use, ten times: every
/// acknowledged record and committed offset survives, and every restart stays within 1.5x of the
/// clean restart's resident memory and under 3 s of start-up. A recovery truncation is logged.
/// </summary>
public sealed class CrashAtScaleTests : IDisposable
{
    private const int Partitions = 1000;
    private const int Cycles = 10;
    private const string Topic = "scale";
    private const string Group = "scale-readers";
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "weir-crash-scale-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Ten_kill_9_cycles_under_load_with_1000_partitions_lose_nothing_and_restart_within_goals()
    {
        var port = BrokerProcess.FreePort();
        var bootstrap = $"127.0.0.1:{port}";
        var acked = new ConcurrentDictionary<(int Partition, long Offset), string>();
        var committed = new Dictionary<TopicPartition, long>();
        long cleanRss;
        using (var broker = await BrokerProcess.StartAsync(_dataDir, port))
        {
            await using (var admin = new KafkaAdminClient(new AdminOptions { BootstrapServers = bootstrap }))
            {
                await admin.CreateTopicAsync(new NewTopic(Topic, Partitions, 1));
            }

            await ProduceAsync(bootstrap, acked, cycle: -1, TimeSpan.FromSeconds(1), killAt: null);
            broker.StopGracefully();
        }

        // The reference: a clean restart of the same data.
        using (var clean = await BrokerProcess.StartAsync(_dataDir, port))
        {
            cleanRss = clean.RssKiB;
            Assert.True(clean.ReadyMs < 3000, $"clean restart of {Partitions} partitions took {clean.ReadyMs} ms");
            await CommitAsync(bootstrap, committed, cycle: 0);
            await ProduceAsync(bootstrap, acked, cycle: 0, TimeSpan.FromMilliseconds(700), killAt: clean);
        }

        var restarts = new List<string>();
        for (var cycle = 1; cycle <= Cycles; cycle++)
        {
            using var broker = await BrokerProcess.StartAsync(_dataDir, port);
            restarts.Add(string.Create(CultureInfo.InvariantCulture, $"{broker.ReadyMs} ms {broker.RssKiB / 1024} MiB"));
            Assert.True(broker.ReadyMs < 3000, $"restart {cycle} after kill -9 took {broker.ReadyMs} ms");
            Assert.True(broker.RssKiB <= cleanRss * 3 / 2, $"restart {cycle} after kill -9: {broker.RssKiB} KiB resident, clean restart {cleanRss} KiB");
            await using (var admin = new KafkaAdminClient(new AdminOptions { BootstrapServers = bootstrap }))
            {
                var offsets = await admin.ListGroupOffsetsAsync(Group);
                foreach (var (tp, offset) in committed)
                {
                    Assert.True(offsets.TryGetValue(tp, out var got) && got.Offset == offset, $"cycle {cycle}: committed {tp} at {offset}, now {(offsets.TryGetValue(tp, out var g) ? g.Offset : -1)}");
                }
            }

            await CommitAsync(bootstrap, committed, cycle);
            await ProduceAsync(bootstrap, acked, cycle, TimeSpan.FromMilliseconds(700), killAt: broker);
        }

        using var last = await BrokerProcess.StartAsync(_dataDir, port);
        var values = await ReadAllAsync(bootstrap);
        foreach (var ((partition, offset), value) in acked)
        {
            Assert.True(values.TryGetValue((partition, offset), out var got), $"acknowledged {Topic}-{partition}@{offset} is gone (restarts: {string.Join(", ", restarts)})");
            Assert.Equal(value, got);
        }
    }

    [Fact]
    public async Task Recovery_truncation_after_kill_9_is_logged_as_a_warning_with_offsets_and_bytes()
    {
        var port = BrokerProcess.FreePort();
        var bootstrap = $"127.0.0.1:{port}";
        using (var broker = await BrokerProcess.StartAsync(_dataDir, port))
        {
            await using var admin = new KafkaAdminClient(new AdminOptions { BootstrapServers = bootstrap });
            await admin.CreateTopicAsync(new NewTopic("cut", 1, 1));
            await using var producer = new KafkaProducer(new ProducerOptions { BootstrapServers = bootstrap });
            for (var i = 0; i < 10; i++)
            {
                await producer.ProduceAsync("cut", null, Encoding.ASCII.GetBytes("record-" + i), partition: 0);
            }

            broker.KillHard();
        }

        // Garbage after the last batch, as a write torn by the kill would leave.
        var segment = Path.Combine(_dataDir, "cut-0", "00000000000000000000.log");
        var length = new FileInfo(segment).Length;
        const string junk = "not a record batch, the rest of a torn write";
        await File.AppendAllTextAsync(segment, junk);

        using var restarted = await BrokerProcess.StartAsync(_dataDir, port);
        var warning = restarted.Output.Split('\n').FirstOrDefault(l => l.Contains("Recovery truncated cut-0", StringComparison.Ordinal));
        Assert.True(warning is not null, restarted.Output);
        Assert.Contains("warn", warning, StringComparison.Ordinal);
        Assert.Contains("log end offset now 10", warning, StringComparison.Ordinal);
        Assert.Contains($"{junk.Length} bytes", warning, StringComparison.Ordinal);
        Assert.Equal(length, new FileInfo(segment).Length);
    }

    private static async Task ProduceAsync(string bootstrap, ConcurrentDictionary<(int, long), string> acked, int cycle, TimeSpan loadFor, BrokerProcess? killAt)
    {
        var options = new ProducerOptions { BootstrapServers = bootstrap };
        options.TrySet("linger.ms", "2");
        options.TrySet("delivery.timeout.ms", "2500");
        options.TrySet("request.timeout.ms", "2000");
        var producer = new KafkaProducer(options);
        var inFlight = new List<Task>();
        var deadline = DateTime.UtcNow + loadFor;
        var n = 0;

        // Every partition gets records each round; the kill lands while requests are in flight.
        for (var round = 0; round < 8 && DateTime.UtcNow < deadline; round++)
        {
            for (var p = 0; p < Partitions; p++, n++)
            {
                var value = $"c{cycle}-n{n}";
                inFlight.Add(producer.ProduceAsync(Topic, null, Encoding.ASCII.GetBytes(value), partition: p).ContinueWith(
                    t =>
                    {
                        if (t.IsCompletedSuccessfully)
                        {
                            acked[(t.Result.Partition, t.Result.Offset)] = value;
                        }
                    },
                    TaskScheduler.Default));
            }

            if (round < 7)
            {
                await Task.Delay(50);
            }
        }

        if (killAt is not null)
        {
            killAt.KillHard();
        }
        else
        {
            await producer.FlushAsync();
        }

        await Task.WhenAll(inFlight).WaitAsync(TimeSpan.FromSeconds(30));
        await producer.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static async Task CommitAsync(string bootstrap, Dictionary<TopicPartition, long> committed, int cycle)
    {
        await using var admin = new KafkaAdminClient(new AdminOptions { BootstrapServers = bootstrap });
        var offsets = new Dictionary<TopicPartition, OffsetAndMetadata>();
        for (var p = cycle % 10; p < Partitions; p += 10)
        {
            offsets[new TopicPartition(Topic, p)] = new OffsetAndMetadata(cycle + 1);
        }

        var result = await admin.AlterGroupOffsetsAsync(Group, offsets);
        foreach (var (tp, error) in result)
        {
            Assert.Equal(Weir.Protocol.ErrorCode.None, error);
            committed[tp] = offsets[tp].Offset;
        }
    }

    private static async Task<Dictionary<(int, long), string>> ReadAllAsync(string bootstrap)
    {
        var partitions = Enumerable.Range(0, Partitions).Select(p => new TopicPartition(Topic, p)).ToList();
        Dictionary<TopicPartition, long> ends;
        await using (var admin = new KafkaAdminClient(new AdminOptions { BootstrapServers = bootstrap }))
        {
            ends = (await admin.ListOffsetsAsync(partitions.ToDictionary(tp => tp, _ => -1L))).ToDictionary(kv => kv.Key, kv => kv.Value.Offset);
        }

        var values = new Dictionary<(int, long), string>();
        await using var consumer = new KafkaConsumer(new ConsumerOptions { BootstrapServers = bootstrap, AutoOffsetReset = AutoOffsetReset.Earliest, EnableAutoCommit = false });
        consumer.Assign(partitions);
        var expected = ends.Values.Sum();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (values.Count < expected && DateTime.UtcNow < deadline)
        {
            foreach (var record in await consumer.PollAsync(TimeSpan.FromMilliseconds(500)))
            {
                values[(record.Partition, record.Offset)] = Encoding.ASCII.GetString(record.Value.Span);
            }
        }

        Assert.Equal(expected, values.Count);
        return values;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
