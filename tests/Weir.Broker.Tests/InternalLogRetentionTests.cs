using System.Globalization;
using Weir.Client;
using Weir.Client.Admin;
using Weir.Client.Cluster;
using ClientTopicPartition = Weir.Client.TopicPartition;

namespace Weir.Broker.Tests;

/// <summary>
/// Time retention deletes old segments of user topics, never the cluster metadata log (the topics
/// themselves) nor <c>__consumer_offsets</c> (the committed offsets): a broker restarted after
/// retention passes still has both.
/// </summary>
public sealed class InternalLogRetentionTests : IDisposable
{
    private static readonly string[] Retention = ["log.retention.ms=2000", "log.retention.check.interval.ms=1000"];

    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "weir-test-" + Guid.NewGuid().ToString("N"));

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

    [Fact]
    public async Task Topics_and_committed_offsets_survive_retention_and_a_restart()
    {
        const string topic = "expiring";
        const string group = "expiring-readers";
        var port = BrokerProcess.FreePort();
        var partition = new ClientTopicPartition(topic, 0);
        using (var broker = await BrokerProcess.StartAsync(_dataDir, port, Retention))
        {
            await using var admin = NewAdmin(port);
            await admin.CreateTopicAsync(new NewTopic(topic, 1, 1));
            await ProduceAsync(port, topic, 10);
            var committed = await admin.AlterGroupOffsetsAsync(group, new Dictionary<ClientTopicPartition, OffsetAndMetadata> { [partition] = new(7) });
            Assert.Equal(Protocol.ErrorCode.None, committed[partition]);

            // A retention pass has run once the user topic's records are gone; a second one, after
            // more records expire, has certainly also visited every other log.
            await WaitForLogStartAsync(admin, partition, 10);
            await ProduceAsync(port, topic, 5);
            await WaitForLogStartAsync(admin, partition, 15);
            broker.KillHard();
        }

        using (var restarted = await BrokerProcess.StartAsync(_dataDir, port, Retention))
        {
            await using var admin = NewAdmin(port);
            var topics = await admin.ListTopicsAsync(includeInternal: true);
            Assert.Contains(topics, t => t.Name == topic);
            Assert.Contains(topics, t => t.Name == "__consumer_offsets" && t.IsInternal);
            var offsets = await admin.ListGroupOffsetsAsync(group);
            Assert.Equal(7, offsets[partition].Offset);
            var end = await admin.ListOffsetsAsync(new Dictionary<ClientTopicPartition, long> { [partition] = OffsetsApi.Latest });
            Assert.Equal(15, end[partition].Offset);
        }
    }

    private static KafkaAdminClient NewAdmin(int port) =>
        new(new AdminOptions { BootstrapServers = $"127.0.0.1:{port}", DefaultApiTimeout = TimeSpan.FromSeconds(20) });

    private static async Task ProduceAsync(int port, string topic, int count)
    {
        var lines = string.Concat(Enumerable.Range(0, count).Select(i => $"r{i}\n"));
        var result = await ProcessRunner.RunAsync("kcat", ["-b", $"127.0.0.1:{port}", "-X", "broker.address.family=v4", "-P", "-t", topic, "-p", "0", "-X", "acks=all"], lines);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    private static async Task WaitForLogStartAsync(KafkaAdminClient admin, ClientTopicPartition partition, long atLeast)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        long start;
        do
        {
            var earliest = await admin.ListOffsetsAsync(new Dictionary<ClientTopicPartition, long> { [partition] = OffsetsApi.Earliest });
            start = earliest[partition].Offset;
            if (start >= atLeast)
            {
                return;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail(string.Create(CultureInfo.InvariantCulture, $"{partition} log start offset is {start} after 60 s, not {atLeast}: no retention pass ran."));
    }
}
