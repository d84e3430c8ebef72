using System.Globalization;
using System.Text;
using Weir.Client.Producer;
using Weir.Protocol;
using Weir.Protocol.Records;

namespace Weir.Client.Tests;

public sealed class ProducerTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private static string NewTopic(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private ProducerOptions Options(Action<ProducerOptions>? configure = null)
    {
        var options = new ProducerOptions { BootstrapServers = broker.Bootstrap };
        configure?.Invoke(options);
        return options;
    }

    private async Task<string[]> ConsumeWithKcatAsync(string topic, int partition, string format)
    {
        var result = await ProcessRunner.RunAsync("kcat", ["-C", "-b", broker.Bootstrap, "-t", topic, "-p", partition.ToString(CultureInfo.InvariantCulture), "-o", "beginning", "-e", "-q", "-f", format]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("gzip")]
    [InlineData("snappy")]
    [InlineData("lz4")]
    [InlineData("zstd")]
    public async Task Records_with_each_codec_read_back_identically_with_kcat(string codec)
    {
        var topic = NewTopic("codec-" + codec);
        var options = Options(o => o.TrySet("compression.type", codec));
        var baseTime = 1_700_000_000_000L;
        var results = new List<RecordMetadata>();
        await using (var producer = new KafkaProducer(options))
        {
            var tasks = new List<Task<RecordMetadata>>();
            for (var i = 0; i < 50; i++)
            {
                RecordHeader[] headers = [new("h1", Encoding.UTF8.GetBytes("a" + i)), new("h2", Encoding.UTF8.GetBytes("b"))];
                tasks.Add(producer.ProduceAsync(topic, Encoding.UTF8.GetBytes("k" + i), Encoding.UTF8.GetBytes($"value {i} {new string('x', i)}"), headers, baseTime + i, partition: 2));
            }

            results.AddRange(await Task.WhenAll(tasks));
        }

        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(new RecordMetadata(topic, 2, i, baseTime + i), results[i]);
        }

        var lines = await ConsumeWithKcatAsync(topic, 2, "%k\t%s\t%p\t%o\t%T\t%h\n");
        Assert.Equal(50, lines.Length);
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal($"k{i}\tvalue {i} {new string('x', i)}\t2\t{i}\t{baseTime + i}\th1=a{i},h2=b", lines[i]);
        }
    }

    [Fact]
    public void Murmur2_matches_Kafka_UtilsTest_vectors()
    {
        // From Kafka's clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java (testMurmur2).
        Assert.Equal(-973932308, PartitionHash.Murmur2("21"u8));
        Assert.Equal(-790332482, PartitionHash.Murmur2("foobar"u8));
        Assert.Equal(-985981536, PartitionHash.Murmur2("a-little-bit-long-string"u8));
        Assert.Equal(-1486304829, PartitionHash.Murmur2("a-little-bit-longer-string"u8));
        Assert.Equal(-58897971, PartitionHash.Murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"u8));
        Assert.Equal(479470107, PartitionHash.Murmur2("abc"u8));
    }

    [Fact]
    public async Task Keyed_records_land_where_the_Java_partitioner_puts_them()
    {
        var topic = NewTopic("murmur");
        var keys = Enumerable.Range(0, 40).Select(i => "key-" + i + new string('z', i % 5)).ToArray();
        // An independent murmur2: kafka-python's port of the Java partitioner.
        var script = "import sys\nfrom kafka.partitioner.default import murmur2\nfor k in sys.stdin.read().split('\\n'):\n    print((murmur2(k.encode()) & 0x7fffffff) % 4)\n";
        var python = await ProcessRunner.RunAsync("/usr/bin/python3", ["-c", script], string.Join('\n', keys));
        Assert.True(python.ExitCode == 0, python.ToString());
        var expected = python.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        Assert.Equal(keys.Length, expected.Length);

        await using var producer = new KafkaProducer(Options());
        var results = await Task.WhenAll(keys.Select(k => producer.ProduceAsync(topic, Encoding.UTF8.GetBytes(k), "v"u8.ToArray())));
        for (var i = 0; i < keys.Length; i++)
        {
            Assert.Equal(expected[i], results[i].Partition);
        }

        Assert.True(expected.Distinct().Count() > 1, "the keys spread over partitions");
        var inPartition = await ConsumeWithKcatAsync(topic, expected[0], "%k\n");
        Assert.Contains(keys[0], inPartition);
    }

    [Fact]
    public async Task Consistent_random_partitioner_agrees_with_kcat()
    {
        var topic = NewTopic("crc");
        var keys = Enumerable.Range(0, 30).Select(i => "user" + i).ToArray();
        var kcat = await ProcessRunner.RunAsync("kcat", ["-P", "-b", broker.Bootstrap, "-t", topic, "-K", ":"], string.Join('\n', keys.Select(k => k + ":x")) + "\n");
        Assert.True(kcat.ExitCode == 0, kcat.ToString());
        var kcatPartition = new Dictionary<string, int>();
        for (var p = 0; p < 4; p++)
        {
            foreach (var key in await ConsumeWithKcatAsync(topic, p, "%k\n"))
            {
                kcatPartition[key] = p;
            }
        }

        Assert.Equal(keys.Length, kcatPartition.Count);
        await using var producer = new KafkaProducer(Options(o => o.TrySet("partitioner", "consistent_random")));
        foreach (var key in keys)
        {
            var result = await producer.ProduceAsync(topic, Encoding.UTF8.GetBytes(key), "y"u8.ToArray());
            Assert.Equal(kcatPartition[key], result.Partition);
        }
    }

    [Fact]
    public async Task Records_without_key_stick_to_a_partition_per_batch_and_spread_over_time()
    {
        var topic = NewTopic("sticky");
        await using var producer = new KafkaProducer(Options(o => o.BatchSize = 1024));
        var results = await Task.WhenAll(Enumerable.Range(0, 400).Select(_ => producer.ProduceAsync(topic, null, new byte[100])));
        var partitions = results.Select(r => r.Partition).ToArray();
        Assert.True(partitions.Distinct().Count() > 1, "spread over partitions");
        var switches = partitions.Zip(partitions.Skip(1)).Count(p => p.First != p.Second);
        Assert.True(switches < 100, $"sticky: {switches} switches for 400 records");
    }

    [Fact]
    public async Task Idempotent_producer_delivers_in_order_exactly_once()
    {
        var topic = NewTopic("idem");
        await using (var producer = new KafkaProducer(Options(o => o.BatchSize = 512)))
        {
            Assert.True(producer.IsIdempotent);
            var tasks = Enumerable.Range(0, 2000).Select(i => producer.ProduceAsync(topic, null, Encoding.UTF8.GetBytes(i.ToString(CultureInfo.InvariantCulture)), partition: 1)).ToArray();
            var results = await Task.WhenAll(tasks);
            Assert.Equal(Enumerable.Range(0, 2000).Select(i => (long)i), results.Select(r => r.Offset));
        }

        var values = await ConsumeWithKcatAsync(topic, 1, "%s\n");
        Assert.Equal(Enumerable.Range(0, 2000).Select(i => i.ToString(CultureInfo.InvariantCulture)), values);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    public async Task Acks_0_and_1_deliver(string acks)
    {
        var topic = NewTopic("acks" + acks);
        await using (var producer = new KafkaProducer(Options(o => o.TrySet("acks", acks))))
        {
            Assert.False(producer.IsIdempotent);
            var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => producer.ProduceAsync(topic, null, Encoding.UTF8.GetBytes("m" + i), partition: 0)));
            Assert.All(results, r => Assert.Equal(acks == "0" ? -1 : r.Offset, r.Offset));
            await producer.FlushAsync();
        }

        Assert.Equal(100, (await ConsumeWithKcatAsync(topic, 0, "%s\n")).Length);
    }

    [Fact]
    public void Explicit_idempotence_with_acks_1_is_a_config_error()
    {
        var options = Options();
        options.TrySet("acks", "1");
        options.TrySet("enable.idempotence", "true");
        var error = Assert.Throws<ArgumentException>(() => new KafkaProducer(options));
        Assert.Contains("acks must be all", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oversized_records_fail_with_MESSAGE_TOO_LARGE_and_others_succeed()
    {
        var topic = NewTopic("big");
        // The client-side limit (max.request.size) and the broker's (message.max.bytes, 1 MB).
        await using var producer = new KafkaProducer(Options(o => o.MaxRequestSize = 4 * 1024 * 1024));
        var before = producer.ProduceAsync(topic, null, "small-1"u8.ToArray(), partition: 0);
        var brokerTooLarge = producer.ProduceAsync(topic, null, new byte[2 * 1024 * 1024], partition: 0);
        var clientTooLarge = producer.ProduceAsync(topic, null, new byte[5 * 1024 * 1024], partition: 0);
        var after = producer.ProduceAsync(topic, null, "small-2"u8.ToArray(), partition: 0);

        var brokerError = await Assert.ThrowsAsync<KafkaException>(() => brokerTooLarge);
        Assert.Equal(ErrorCode.MessageTooLarge, brokerError.ErrorCode);
        var clientError = await Assert.ThrowsAsync<KafkaException>(() => clientTooLarge);
        Assert.Equal(ErrorCode.MessageTooLarge, clientError.ErrorCode);
        Assert.Equal(0, (await before).Offset);
        Assert.Equal(1, (await after).Offset);
        var third = await producer.ProduceAsync(topic, null, "small-3"u8.ToArray(), partition: 0);
        Assert.Equal(2, third.Offset);
    }

    [Fact]
    public async Task Unknown_topic_is_auto_created_and_produce_callback_reports_metadata()
    {
        var topic = NewTopic("cb");
        await using var producer = new KafkaProducer(Options());
        var done = new TaskCompletionSource<(RecordMetadata?, Exception?)>(TaskCreationOptions.RunContinuationsAsynchronously);
        producer.Produce(topic, "k"u8.ToArray(), "v"u8.ToArray(), (m, e) => done.TrySetResult((m, e)));
        var (metadata, error) = await done.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Null(error);
        Assert.Equal(topic, metadata!.Value.Topic);
        Assert.Equal(0, metadata.Value.Offset);
    }

    [Fact]
    public async Task Dispose_with_the_broker_gone_returns_within_its_bound()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "weir-test-" + Guid.NewGuid().ToString("N"));
        var host = await BrokerFixture.StartAsync(dataDir);
        var bootstrap = $"127.0.0.1:{host.BoundEndPoints[0].Port}";
        var producer = new KafkaProducer(new ProducerOptions { BootstrapServers = bootstrap, CloseTimeout = TimeSpan.FromSeconds(2), Linger = TimeSpan.FromSeconds(10) });
        var topic = NewTopic("gone");
        await producer.ProduceAsync(topic, null, "first"u8.ToArray(), partition: 0).WaitAsync(TimeSpan.FromSeconds(30));
        await host.DisposeAsync();
        var pending = producer.ProduceAsync(topic, null, "lost"u8.ToArray(), partition: 0);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await producer.DisposeAsync();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"DisposeAsync took {clock.Elapsed}");
        var error = await Assert.ThrowsAsync<KafkaException>(() => pending);
        Assert.True(error.ErrorCode is ErrorCode.RequestTimedOut or ErrorCode.NetworkException, error.Message);
        Directory.Delete(dataDir, recursive: true);
    }

    [Fact]
    public async Task Compressed_batches_use_the_codec_on_the_wire()
    {
        var topic = NewTopic("wire");
        await using var producer = new KafkaProducer(Options(o => o.Compression = CompressionType.Gzip));
        await producer.ProduceAsync(topic, null, Encoding.UTF8.GetBytes(new string('a', 1000)), partition: 0);
        var log = Path.Combine(broker.DataDir, topic + "-0", "00000000000000000000.log");
        var bytes = await File.ReadAllBytesAsync(log);
        Assert.Equal((byte)CompressionType.Gzip, (byte)(bytes[RecordBatchHeader.AttributesOffset + 1] & 0x07));
        Assert.True(bytes.Length < 500, "1000 'a's compress");
    }

    [Fact]
    public async Task Idempotent_producer_retries_across_a_broker_restart_without_duplicates_or_reordering()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "weir-test-" + Guid.NewGuid().ToString("N"));
        var host = await BrokerFixture.StartAsync(dataDir);
        var port = host.BoundEndPoints[0].Port;
        var topic = NewTopic("restart");
        try
        {
            await using var producer = new KafkaProducer(new ProducerOptions { BootstrapServers = $"127.0.0.1:{port}", BatchSize = 256 });
            var first = Enumerable.Range(0, 500).Select(i => producer.ProduceAsync(topic, null, Encoding.UTF8.GetBytes("v" + i), partition: 0)).ToArray();
            await Task.WhenAll(first);
            await host.DisposeAsync();

            // Produced while the broker is down: every send fails with a network error and is retried.
            var second = Enumerable.Range(500, 500).Select(i => producer.ProduceAsync(topic, null, Encoding.UTF8.GetBytes("v" + i), partition: 0)).ToArray();
            host = await BrokerFixture.StartAsync(dataDir, new Dictionary<string, string> { ["listeners"] = $"PLAINTEXT://127.0.0.1:{port}" });
            var results = await Task.WhenAll(second).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(Enumerable.Range(500, 500).Select(i => (long)i), results.Select(r => r.Offset));

            var kcat = await ProcessRunner.RunAsync("kcat", ["-C", "-b", $"127.0.0.1:{port}", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q", "-f", "%s\n"]);
            Assert.Equal(Enumerable.Range(0, 1000).Select(i => "v" + i), kcat.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            await host.DisposeAsync();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task Producing_allocates_nothing_per_record_on_the_callers_thread()
    {
        var topic = NewTopic("alloc");
        await using var producer = new KafkaProducer(Options(o => o.Acks = 1));
        var handler = new CountingHandler();
        var value = new byte[100];
        void ProduceMany(int n)
        {
            for (var i = 0; i < n; i++)
            {
                producer.Produce(topic, default, true, value, false, handler, i, partition: 0);
            }
        }

        // Batches (and their buffers) are pooled once the first rounds created them; measure the steady state.
        for (var round = 0; round < 5; round++)
        {
            ProduceMany(2_000);
            await producer.FlushAsync();
        }

        long allocated = 0;
        for (var round = 0; round < 20; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            ProduceMany(2_000);
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            await producer.FlushAsync();
        }

        var perRecord = allocated / 40_000.0;
        Assert.Equal(50_000, handler.Delivered);
        Assert.True(perRecord < 4, $"{perRecord:0.0} bytes allocated per record");

        // ProduceAsync: one TaskCompletionSource and its Task per record, nothing else.
        var tasks = new Task<RecordMetadata>[2_000];
        var beforeAsync = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < tasks.Length; i++)
        {
            tasks[i] = producer.ProduceAsync(topic, null, value, partition: 0);
        }

        var perAsyncRecord = (GC.GetAllocatedBytesForCurrentThread() - beforeAsync) / (double)tasks.Length;
        await Task.WhenAll(tasks);
        Assert.True(perAsyncRecord < 200, $"{perAsyncRecord:0.0} bytes allocated per ProduceAsync");
    }

    [Fact]
    public async Task More_than_buffer_memory_produced_before_metadata_arrives_is_delivered()
    {
        // Records wait for the new topic's metadata within buffer.memory; the producer then blocks
        // until they are handed over and sent (a regression: the hand-over once waited on itself).
        var topic = NewTopic("burst");
        await using var producer = new KafkaProducer(Options(o => o.BufferMemory = 256 * 1024));
        var handler = new CountingHandler();
        var value = new byte[200];
        await Task.Run(() =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                producer.Produce(topic, default, true, value, false, handler, i);
            }
        }).WaitAsync(TimeSpan.FromSeconds(60));
        await producer.FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(20_000, handler.Delivered);
    }

    private sealed class CountingHandler : IDeliveryHandler
    {
        private int _delivered;

        public int Delivered => Volatile.Read(ref _delivered);

        public void OnDelivery(long state, in RecordMetadata metadata, Exception? error)
        {
            Assert.Null(error);
            Interlocked.Increment(ref _delivered);
        }
    }
}
