using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace Weir.Broker.Tests;

/// <summary>kcat (librdkafka 2.0.2) against an in-process broker: metadata, produce and consume with every codec.</summary>
public sealed class KcatTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private const int Partitions = 4;

    private string[] Kcat(params string[] args) => ["-b", broker.Bootstrap, "-X", "broker.address.family=v4", .. args];

    [Fact]
    public async Task Metadata_lists_the_broker_and_an_auto_created_topic()
    {
        var topic = "meta-" + Guid.NewGuid().ToString("N")[..8];
        var produced = await ProcessRunner.RunAsync("kcat", Kcat("-P", "-t", topic), "hello\n");
        Assert.True(produced.ExitCode == 0, produced.ToString());
        var result = await ProcessRunner.RunAsync("kcat", Kcat("-L", "-t", topic));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"broker 1 at 127.0.0.1:{broker.Host.BoundEndPoints[0].Port} (controller)", result.StdOut, StringComparison.Ordinal);
        Assert.Contains($"topic \"{topic}\" with {Partitions} partitions", result.StdOut, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("gzip")]
    [InlineData("snappy")]
    [InlineData("lz4")]
    [InlineData("zstd")]
    public async Task Keyed_records_with_headers_come_back_identical_in_librdkafkas_partitions(string codec)
    {
        const int count = 100_000;
        var topic = $"kcat-{codec}-" + Guid.NewGuid().ToString("N")[..8];
        var input = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            input.Append("key-").Append(i % 1000).Append('\t').Append("value-").Append(i).Append("-payload").Append('\n');
        }

        var produced = await ProcessRunner.RunAsync(
            "kcat",
            Kcat("-P", "-t", topic, "-K", "\t", "-z", codec, "-H", "source=weir-test", "-H", "codec=" + codec, "-X", "acks=all", "-X", "linger.ms=5"),
            input.ToString(),
            TimeSpan.FromSeconds(120));
        Assert.True(produced.ExitCode == 0, produced.ToString());

        var consumed = await ProcessRunner.RunAsync(
            "kcat",
            Kcat("-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%p\t%o\t%k\t%s\t%h\t%T\n"),
            timeout: TimeSpan.FromSeconds(120));
        Assert.True(consumed.ExitCode == 0, consumed.ToString());

        var lines = consumed.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(count, lines.Length);
        var seenValues = new HashSet<string>(StringComparer.Ordinal);
        var nextOffset = new long[Partitions];
        var lastValueIndexPerKey = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var f = line.Split('\t');
            var partition = int.Parse(f[0]);
            var offset = long.Parse(f[1]);
            var key = f[2];
            var value = f[3];
            Assert.Equal(nextOffset[partition]++, offset);
            Assert.Equal(LibrdkafkaPartitioner.Partition(Encoding.UTF8.GetBytes(key), Partitions), partition);
            Assert.StartsWith("value-", value, StringComparison.Ordinal);
            var index = int.Parse(value.AsSpan(6, value.IndexOf("-payload", StringComparison.Ordinal) - 6));
            Assert.Equal($"key-{index % 1000}", key);
            Assert.True(seenValues.Add(value), $"duplicate {value}");
            // Per key, records keep the order they were produced in.
            Assert.True(!lastValueIndexPerKey.TryGetValue(key, out var last) || last < index, $"{key} out of order");
            lastValueIndexPerKey[key] = index;
            Assert.Equal($"source=weir-test,codec={codec}", f[4]);
            Assert.True(long.Parse(f[5]) > 1_600_000_000_000, $"timestamp {f[5]}");
        }

        Assert.Equal(count, seenValues.Count);

        // librdkafka 2.0.2 fetches with session 0 / epoch -1: it never opens a fetch session.
        Assert.Equal(0, broker.Host.Services.GetRequiredService<BrokerRuntime>().FetchSessions.Created);
    }

    [Fact]
    public async Task Offsets_query_reports_end_and_beginning()
    {
        var topic = "offsets-" + Guid.NewGuid().ToString("N")[..8];
        var produced = await ProcessRunner.RunAsync("kcat", Kcat("-P", "-t", topic, "-p", "0"), "a\nb\nc\n");
        Assert.True(produced.ExitCode == 0, produced.ToString());
        var end = await ProcessRunner.RunAsync("kcat", Kcat("-Q", "-t", $"{topic}:0:-1"));
        Assert.True(end.ExitCode == 0, end.ToString());
        Assert.Contains($"{topic} [0] offset 3", end.StdOut, StringComparison.Ordinal);
        var start = await ProcessRunner.RunAsync("kcat", Kcat("-Q", "-t", $"{topic}:0:-2"));
        Assert.Contains($"{topic} [0] offset 0", start.StdOut, StringComparison.Ordinal);
    }
}
