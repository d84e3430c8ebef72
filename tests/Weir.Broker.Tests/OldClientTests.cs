using System.Globalization;

namespace Weir.Broker.Tests;

/// <summary>
/// kafka-python 2.0.2 pinned to old broker versions (Interop/kafka_python_old.py), so it sends the
/// request versions Kafka 4.0 removed and Weir serves as Kafka 3.x did: Metadata v0 (empty topics =
/// all), ListOffsets v0, FindCoordinator v0, OffsetCommit v0/v1 and OffsetFetch v0/v1.
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
}
