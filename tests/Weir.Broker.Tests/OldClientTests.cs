using System.Globalization;

namespace Weir.Broker.Tests;

/// <summary>
/// kafka-python 2.0.2 pinned to old broker versions (Interop/kafka_python_old.py), so it sends the
/// request versions Kafka 4.0 removed and Weir serves as Kafka 3.x did: Metadata v0 (empty topics =
/// all), ListOffsets v0, FindCoordinator v0, OffsetCommit v0/v1 and OffsetFetch v0/v1; and kcat
/// (librdkafka) told the broker is 0.8.2 or 0.9.0 without asking ApiVersions.
/// </summary>
public sealed class OldClientTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private const string Script = "kafka_python_old.py";

    [Theory]
    [InlineData("0.8.1")]
    [InlineData("0.8.2")]
    [InlineData("0.10.0")]
    public async Task Pinned_old_client_lists_topics_reads_offsets_and_commits(string apiVersion)
    {
        const int count = 7;
        var topic = $"old-{apiVersion.Replace('.', '-')}-{Guid.NewGuid():N}"[..20];
        var result = await PythonClient.RunAsync(Script, broker.Bootstrap, apiVersion, topic, count.ToString(CultureInfo.InvariantCulture));
        Assert.True(result.GetProperty("topics_include_topic").GetBoolean(), result.ToString());
        Assert.Equal(count, result.GetProperty("end").GetInt64());
        Assert.Equal(0, result.GetProperty("beginning").GetInt64());
        if (apiVersion != "0.10.0")
        {
            Assert.Equal(count - 1, result.GetProperty("committed").GetInt64());
        }
    }

    [Theory]
    [InlineData("0.8.2")]
    [InlineData("0.9.0")]
    public async Task Kcat_with_an_old_broker_version_fallback_lists_metadata_and_queries_offsets(string fallback)
    {
        var topic = $"oldk-{Guid.NewGuid():N}"[..14];
        var produced = await ProcessRunner.RunAsync("kcat", ["-b", broker.Bootstrap, "-X", "broker.address.family=v4", "-P", "-t", topic, "-p", "0"], "a\nb\nc\n");
        Assert.True(produced.ExitCode == 0, produced.ToString());

        string[] old = ["-b", broker.Bootstrap, "-X", "broker.address.family=v4", "-X", "api.version.request=false", "-X", $"broker.version.fallback={fallback}"];
        var listed = await ProcessRunner.RunAsync("kcat", [.. old, "-L", "-t", topic], timeout: TimeSpan.FromSeconds(30));
        Assert.True(listed.ExitCode == 0, listed.ToString());
        Assert.Contains($"topic \"{topic}\" with 4 partitions", listed.StdOut, StringComparison.Ordinal);

        var latest = await ProcessRunner.RunAsync("kcat", [.. old, "-Q", "-t", $"{topic}:0:-1"], timeout: TimeSpan.FromSeconds(30));
        Assert.True(latest.ExitCode == 0, latest.ToString());
        Assert.Contains($"{topic} [0] offset 3", latest.StdOut, StringComparison.Ordinal);
    }
}
