using Microsoft.Extensions.DependencyInjection;

namespace Weir.Broker.Tests;

/// <summary>confluent-kafka 1.7.0 on librdkafka (Interop/confluent_client.py) against an in-process broker.</summary>
public sealed class ConfluentKafkaTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private const string Script = "confluent_client.py";

    private static string NewTopic(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    [Theory]
    [InlineData("none")]
    [InlineData("gzip")]
    [InlineData("snappy")]
    [InlineData("lz4")]
    [InlineData("zstd")]
    public async Task Keyed_records_with_headers_come_back_identical(string codec)
    {
        // The topic is auto-created with the fixture's 4 partitions.
        var result = await PythonClient.RunAsync(Script, broker.Bootstrap, "roundtrip", NewTopic("ck-" + codec), codec, "5000");
        Assert.Equal(5000, result.GetProperty("consumed").GetInt32());
        Assert.Equal(4, result.GetProperty("per_partition").EnumerateObject().Count());

        // confluent-kafka runs on the system librdkafka 2.0.2, which never opens a fetch session.
        Assert.Equal(0, broker.Host.Services.GetRequiredService<BrokerRuntime>().FetchSessions.Created);
    }

    [Fact]
    public async Task Idempotent_producer_delivers_every_record_once_in_order()
    {
        var topic = NewTopic("ck-idempotent");
        var result = await PythonClient.RunAsync(Script, broker.Bootstrap, "idempotent", topic, "20000");
        Assert.Equal(20000, result.GetProperty("consumed").GetInt32());
    }

    [Fact]
    public async Task Admin_client_creates_grows_and_deletes_topics()
    {
        var topic = NewTopic("ck-admin");
        var r = await PythonClient.RunAsync(Script, broker.Bootstrap, "admin", topic);
        Assert.Equal("null", r.Text("create"));
        Assert.Equal("\"TOPIC_ALREADY_EXISTS\"", r.Text("create_again"));
        Assert.Equal("[0,1,2]", r.Text("after_create"));
        Assert.Equal("null", r.Text("validate_only"));
        Assert.Equal("[0,1,2]", r.Text("after_validate_only"));
        Assert.Equal("null", r.Text("grow"));
        Assert.Equal("[0,1,2,3,4]", r.Text("after_grow"));
        Assert.Equal("null", r.Text("explicit"));
        Assert.Equal("\"INVALID_REPLICA_ASSIGNMENT\"", r.Text("bad_broker"));
        Assert.Equal("\"INVALID_PARTITIONS\"", r.Text("shrink"));
        Assert.Equal("\"UNKNOWN_TOPIC_OR_PART\"", r.Text("missing_topic"));
        Assert.Equal("[0,1,2,3,4,5]", r.Text("after_errors"));
        Assert.Equal("null", r.Text("delete"));
        Assert.Equal("null", r.Text("after_delete"));
        Assert.Equal("\"UNKNOWN_TOPIC_OR_PART\"", r.Text("delete_again"));
        Assert.Empty(SegmentInspector.PartitionDirs(broker.DataDir, topic));
    }

    [Fact]
    public async Task Watermarks_and_offsets_for_times()
    {
        var r = await PythonClient.RunAsync(Script, broker.Bootstrap, "offsets", NewTopic("ck-offsets"));
        Assert.Equal("[0,10]", r.Text("watermarks"));
        Assert.Equal(0, r.GetProperty("at_0").GetInt64());
        Assert.Equal(5, r.GetProperty("between_4_5").GetInt64());
        Assert.Equal(9, r.GetProperty("at_9").GetInt64());
        Assert.Equal(-1, r.GetProperty("after_last").GetInt64()); // OFFSET_END: nothing at or after that time
    }
}
