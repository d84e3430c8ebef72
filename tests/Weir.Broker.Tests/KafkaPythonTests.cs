using Microsoft.Extensions.DependencyInjection;
using Weir.Protocol.Records;

namespace Weir.Broker.Tests;

/// <summary>kafka-python 2.0.2 (Interop/kafka_python_client.py) against an in-process broker.</summary>
public sealed class KafkaPythonTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private const string Script = "kafka_python_client.py";

    private static string NewTopic(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    [Fact]
    public async Task Version_probe_finds_a_2_4_broker_from_ApiVersions()
    {
        // kafka-python guesses the newest release whose request versions we accept; 2.5 would need DescribeAcls v2.
        var result = await PythonClient.RunAsync(Script, broker.Bootstrap, "probe");
        Assert.Equal("[2,4,0]", result.Text("api_version"));
    }

    [Fact]
    public async Task Created_topic_has_three_partitions_and_deleting_it_removes_metadata_and_data()
    {
        var topic = NewTopic("kp-topic");
        var created = await PythonClient.RunAsync(Script, broker.Bootstrap, "create-topic", topic, "3");
        Assert.Equal("[0,1,2]", created.Text("partitions"));
        Assert.Equal([$"{topic}-0", $"{topic}-1", $"{topic}-2"], SegmentInspector.PartitionDirs(broker.DataDir, topic));

        var deleted = await PythonClient.RunAsync(Script, broker.Bootstrap, "delete-topic", topic);
        Assert.False(deleted.GetProperty("listed").GetBoolean());
        Assert.Equal("null", deleted.Text("partitions"));
        Assert.Empty(SegmentInspector.PartitionDirs(broker.DataDir, topic));
    }

    [Theory]
    [InlineData("none", CompressionType.None)]
    [InlineData("gzip", CompressionType.Gzip)]
    [InlineData("snappy", CompressionType.Snappy)]
    [InlineData("lz4", CompressionType.Lz4)]
    [InlineData("zstd", CompressionType.Zstd)]
    public async Task Keyed_records_with_headers_come_back_identical(string codec, CompressionType stored)
    {
        const int count = 3000;
        var topic = NewTopic("kp-" + codec);
        await PythonClient.RunAsync(Script, broker.Bootstrap, "create-topic", topic, "3");

        // The script compares every consumed (partition, offset) with what the producer was acknowledged.
        var result = await PythonClient.RunAsync(Script, broker.Bootstrap, "roundtrip", topic, codec, count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(count, result.GetProperty("consumed").GetInt32());
        Assert.Equal("[0,1,2]", result.Text("partitions"));
        // kafka-python sends a batch uncompressed when compressing would not make it smaller (a
        // tiny batch under load), so every stored batch is the codec or none, and most are the codec.
        var compressed = 0;
        var total = 0;
        for (var p = 0; p < 3; p++)
        {
            var codecs = SegmentInspector.BatchCodecs(broker.DataDir, topic, p);
            Assert.NotEmpty(codecs);
            Assert.All(codecs, c => Assert.True(c == stored || c == CompressionType.None, $"batch stored as {c}"));
            foreach (var c in codecs)
            {
                total++;
                compressed += c == stored ? 1 : 0;
            }
        }

        Assert.True(compressed * 2 > total, $"only {compressed} of {total} batches stored as {stored}");

        // kafka-python 2.0.2 stops at Fetch v4, which has no session fields.
        Assert.Equal(0, broker.Host.Services.GetRequiredService<BrokerRuntime>().FetchSessions.Created);
    }

    [Fact]
    public async Task Offsets_by_position_and_time_then_DeleteRecords_and_OffsetForLeaderEpoch()
    {
        var topic = NewTopic("kp-offsets");
        await PythonClient.RunAsync(Script, broker.Bootstrap, "create-topic", topic, "1");
        var r = await PythonClient.RunAsync(Script, broker.Bootstrap, "offsets", topic);

        Assert.Equal(0, r.GetProperty("beginning").GetInt64());
        Assert.Equal(10, r.GetProperty("end").GetInt64());
        Assert.Equal("[0,1700000000000]", r.Text("at_0"));
        Assert.Equal("[5,1700000005000]", r.Text("between_4_5"));
        Assert.Equal("[9,1700000009000]", r.Text("at_9"));
        Assert.Equal("null", r.Text("after_last"));

        // kafka-python 2.0.2 has no delete_records: the script sends DeleteRecords v0 itself.
        Assert.False(r.GetProperty("delete_records_builtin").GetBoolean());
        Assert.Equal("[[0,4,0]]", r.Text("delete_records"));
        Assert.Equal("[[0,-1,1],[99,-1,3]]", r.Text("delete_records_errors")); // OFFSET_OUT_OF_RANGE, UNKNOWN_TOPIC_OR_PARTITION
        Assert.Equal(4, r.GetProperty("beginning_after_delete").GetInt64());
        Assert.Equal(["00000000000000000000.log"], Directory.GetFiles(Path.Combine(broker.DataDir, topic + "-0"), "*.log").Select(Path.GetFileName));

        // [partition, error, epoch, end offset]: epoch 0 ends at the log end; current epoch 1 is
        // UNKNOWN_LEADER_EPOCH (75); an epoch newer than any known is undefined; partition 42 is unknown (3).
        Assert.Equal("[[0,0,0,10],[0,75,-1,-1],[0,0,-1,-1],[42,3,-1,-1]]", r.Text("offset_for_leader_epoch"));
    }

    [Fact]
    public async Task Create_partitions_validates_only_grows_and_reports_errors()
    {
        var topic = NewTopic("kp-grow");
        await PythonClient.RunAsync(Script, broker.Bootstrap, "create-topic", topic, "3");
        var r = await PythonClient.RunAsync(Script, broker.Bootstrap, "create-partitions", topic, "5");
        Assert.Equal("[0,1,2]", r.Text("after_validate_only"));
        Assert.Equal("[0,1,2,3,4]", r.Text("after_create"));
        Assert.Equal("\"InvalidPartitionsError\"", r.Text("same_count"));
        Assert.Equal("\"UnknownTopicOrPartitionError\"", r.Text("unknown_topic"));
        Assert.Equal(5, SegmentInspector.PartitionDirs(broker.DataDir, topic).Length);
    }
}
