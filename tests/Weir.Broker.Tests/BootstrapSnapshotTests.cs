using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Weir.Broker.Config;
using Weir.Broker.Metadata;
using Weir.Broker.Startup;
using Weir.Client.Admin;
using Weir.Client.Consumer;
using Weir.Client.Producer;
using Weir.Protocol.Messages;
using Weir.Protocol.Primitives;
using Weir.Protocol.Records;
using Weir.Storage;
using Weir.Storage.Snapshots;

namespace Weir.Broker.Tests;

/// <summary>
/// The bootstrap snapshot <c>format --standalone</c> / <c>--initial-controllers</c> writes, in Kafka 4's
/// layout, and a broker that starts on a dir formatted so.
/// </summary>
public sealed class BootstrapSnapshotTests : IDisposable
{
    private const string Combined = "process.roles=broker,controller\nnode.id=1\nlisteners=PLAINTEXT://localhost:9092\ncontroller.quorum.bootstrap.servers=localhost:9092";

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "weir-bootstrap-" + Guid.NewGuid().ToString("N"));
    private readonly string _clusterId = KafkaUuid.NewRandom();
    private readonly FixedClock _time = new();

    public BootstrapSnapshotTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string Dir(string name) => Path.Combine(_dir, name);

    private string CheckpointOf(string dir) => Path.Combine(dir, "__cluster_metadata-0", "00000000000000000000-0000000000.checkpoint");

    private void Format(string dir, StorageFormatOptions options, string config = Combined)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".properties");
        File.WriteAllText(path, config + $"\nlog.dirs={dir}\n");
        StorageFormatter.Format(BrokerConfig.Load(path), options with { WriteBootstrapSnapshot = r => BootstrapSnapshot.Write(r, _time) }, TextWriter.Null);
    }

    /// <summary>Every batch: base offset, epoch, control flag, and its records' control types with their values.</summary>
    private static List<(long Base, int Epoch, bool Control, List<(ControlRecordType Type, byte[] Value)> Records)> Batches(string dir)
    {
        var batches = new List<(long, int, bool, List<(ControlRecordType, byte[])>)>();
        using var reader = RawSnapshotReader.Open(Path.Combine(dir, "__cluster_metadata-0"), BootstrapSnapshot.Id)!;
        reader.ForEachBatch(batch =>
        {
            var header = new RecordBatchHeader(batch);
            var records = new List<(ControlRecordType, byte[])>();
            using var read = RecordBatch.ReadRecords(batch);
            foreach (var record in read)
            {
                Assert.True(ControlRecord.TryReadType(record.Key, out var type));
                records.Add((type, record.Value.ToArray()));
            }

            batches.Add((header.BaseOffset, header.PartitionLeaderEpoch, header.IsControl, records));
        });
        return batches;
    }

    [Fact]
    public void Standalone_writes_header_kraft_version_1_this_voter_and_footer_in_Kafkas_two_control_batches()
    {
        Format(Dir("a"), new StorageFormatOptions(_clusterId) { Standalone = true });
        Assert.True(File.Exists(CheckpointOf(Dir("a"))));
        Assert.Empty(Directory.GetFiles(Path.Combine(Dir("a"), "__cluster_metadata-0"), "*.part"));

        // RecordsSnapshotWriter's layout: header, kraft.version and voters in one control batch, the footer in the next.
        var batches = Batches(Dir("a"));
        Assert.Equal(2, batches.Count);
        Assert.Equal((0L, 0, true), (batches[0].Base, batches[0].Epoch, batches[0].Control));
        Assert.Equal([ControlRecordType.SnapshotHeader, ControlRecordType.KRaftVersion, ControlRecordType.KRaftVoters], batches[0].Records.Select(r => r.Type));
        Assert.Equal((3L, 0, true), (batches[1].Base, batches[1].Epoch, batches[1].Control));
        Assert.Equal(ControlRecordType.SnapshotFooter, Assert.Single(batches[1].Records).Type);

        var reader = new KafkaReader(batches[0].Records[0].Value);
        Assert.Equal(_time.GetUtcNow().ToUnixTimeMilliseconds(), SnapshotHeaderRecord.Read(ref reader, 0).LastContainedLogTimestamp);
        reader = new KafkaReader(batches[0].Records[1].Value);
        var kraft = KRaftVersionRecord.Read(ref reader, 0);
        Assert.Equal((0, 1), (kraft.Version, kraft.KRaftVersion));
        reader = new KafkaReader(batches[0].Records[2].Value);
        var voter = Assert.Single(VotersRecord.Read(ref reader, 0).Voters);
        Assert.Equal(1, voter.VoterId);
        Assert.Equal(MetaProperties.Read(Dir("a"))!.DirectoryId, KafkaUuid.ToText(voter.VoterDirectoryId));
        var endpoint = Assert.Single(voter.Endpoints);
        Assert.Equal(("PLAINTEXT", "localhost", (ushort)9092), (endpoint.Name, endpoint.Host, endpoint.Port));
        Assert.Equal((0, 1), (voter.KRaftVersionFeature.MinSupportedVersion, voter.KRaftVersionFeature.MaxSupportedVersion));

        var read = BootstrapSnapshot.Read(Dir("a"));
        Assert.Equal((short)1, read!.Value.KRaftVersion);
        Assert.Equal(1, Assert.Single(read.Value.Voters!.Voters).VoterId);
    }

    [Fact]
    public void Initial_controllers_names_all_three_voters_and_no_initial_controllers_writes_no_snapshot()
    {
        Format(Dir("a"), new StorageFormatOptions(_clusterId)
        {
            InitialControllers = "3@[::1]:9094:07R5amHmR32VDA6jHkGbTA,1@localhost:9092:JEXY6aqzQY-32P5TStzaFg,2@host2:9093:MvDxzVmcRsaTz33bUuRU6A",
        });
        var voters = BootstrapSnapshot.Read(Dir("a"))!.Value.Voters!.Voters;
        Assert.Equal(
            [(1, "JEXY6aqzQY-32P5TStzaFg", "localhost", 9092), (2, "MvDxzVmcRsaTz33bUuRU6A", "host2", 9093), (3, "07R5amHmR32VDA6jHkGbTA", "::1", 9094)],
            voters.Select(v => (v.VoterId, KafkaUuid.ToText(v.VoterDirectoryId), v.Endpoints[0].Host, (int)v.Endpoints[0].Port)));
        Assert.All(voters, v => Assert.Equal("PLAINTEXT", Assert.Single(v.Endpoints).Name));

        // A node outside the initial voters (a dynamic metadata dir that is no voter) gets the snapshot too, as in Kafka.
        Format(Dir("b"), new StorageFormatOptions(_clusterId) { InitialControllers = "2@host2:9093:MvDxzVmcRsaTz33bUuRU6A" });
        Assert.Equal(2, Assert.Single(BootstrapSnapshot.Read(Dir("b"))!.Value.Voters!.Voters).VoterId);

        Format(Dir("c"), new StorageFormatOptions(_clusterId) { NoInitialControllers = true });
        Assert.True(File.Exists(Path.Combine(Dir("c"), "meta.properties")));
        Assert.False(Directory.Exists(Path.Combine(Dir("c"), "__cluster_metadata-0")));
        Assert.Null(BootstrapSnapshot.Read(Dir("c")));
    }

    [Fact]
    public async Task A_broker_started_on_a_standalone_formatted_dir_loads_the_snapshot_as_an_empty_image_and_serves_produce_and_consume()
    {
        var data = Dir("data");
        Format(data, new StorageFormatOptions(_clusterId) { Standalone = true });
        await using (var host = await BrokerFixture.StartAsync(data, new Dictionary<string, string> { ["node.id"] = "1" }))
        {
            var runtime = host.Services.GetRequiredService<BrokerRuntime>();
            var metadataLog = runtime.Logs.GetLog(MetadataLog.Partition)!;
            Assert.Equal(0, metadataLog.LogStartOffset);

            var bootstrap = $"127.0.0.1:{host.BoundEndPoints[0].Port}";
            await using (var admin = new KafkaAdminClient(new AdminOptions { BootstrapServers = bootstrap }))
            {
                await admin.CreateTopicAsync(new NewTopic("boot", 1, 1));
            }

            await using (var producer = new KafkaProducer(new ProducerOptions { BootstrapServers = bootstrap }))
            {
                for (var i = 0; i < 5; i++)
                {
                    await producer.ProduceAsync("boot", null, Encoding.ASCII.GetBytes("r" + i), partition: 0);
                }
            }

            var values = new List<string>();
            await using (var consumer = new KafkaConsumer(new ConsumerOptions { BootstrapServers = bootstrap, AutoOffsetReset = AutoOffsetReset.Earliest, EnableAutoCommit = false }))
            {
                consumer.Assign([new Weir.Client.TopicPartition("boot", 0)]);
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
                while (values.Count < 5 && DateTime.UtcNow < deadline)
                {
                    foreach (var record in await consumer.PollAsync(TimeSpan.FromMilliseconds(500)))
                    {
                        values.Add(Encoding.ASCII.GetString(record.Value.Span));
                    }
                }
            }

            Assert.Equal(["r0", "r1", "r2", "r3", "r4"], values);
            Assert.True(metadataLog.LogEndOffset > 0, "the topic's records went into the metadata log from offset 0 on");
        }

        // A restart replays the log after the bootstrap snapshot: the topic is still there, the snapshot still read.
        await using (var host = await BrokerFixture.StartAsync(data, new Dictionary<string, string> { ["node.id"] = "1" }))
        {
            await using var admin = new KafkaAdminClient(new AdminOptions { BootstrapServers = $"127.0.0.1:{host.BoundEndPoints[0].Port}" });
            Assert.Contains("boot", (await admin.ListTopicsAsync()).Select(t => t.Name));
        }

        Assert.Contains(BootstrapSnapshot.Id, SnapshotFiles.List(Path.Combine(data, "__cluster_metadata-0")));
    }

    private sealed class FixedClock : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
    }
}
