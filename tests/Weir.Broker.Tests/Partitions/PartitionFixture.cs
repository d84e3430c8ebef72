using Weir.Broker.Metadata;
using Weir.Broker.Partitions;
using Weir.Protocol.Records;
using Weir.Storage;
using Weir.Storage.Log;

namespace Weir.Broker.Tests.Partitions;

/// <summary>A <see cref="Partition"/> on broker 1 over a real log in a temp dir, with a manual clock.</summary>
internal sealed class PartitionFixture : IDisposable
{
    public const int LocalBrokerId = 1;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "weir-partition-" + Guid.NewGuid().ToString("N"));

    public PartitionFixture(int minInSyncReplicas = 1)
    {
        Time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var config = LogConfig.Default with { MinInSyncReplicas = minInSyncReplicas };
        Log = PartitionLog.Open(Path.Combine(_dir, "t-0"), new TopicPartition("t", 0), config, new PartitionLogOptions
        {
            Validator = BatchValidator.Instance,
            Time = Time,
            HadCleanShutdown = true,
        });
        Partition = new Partition(new TopicPartition("t", 0), Guid.NewGuid(), Log, LocalBrokerId);
    }

    public ManualTimeProvider Time { get; }

    public PartitionLog Log { get; }

    public Partition Partition { get; }

    /// <summary>Appends <paramref name="records"/> records as leader with <paramref name="acks"/>; the outcome must be a success.</summary>
    public AppendOutcome Append(int records, short acks = -1)
    {
        var outcome = Partition.AppendAsLeader(TestBatches.Build(records), acks, Time);
        Assert.Equal(Protocol.ErrorCode.None, outcome.Error);
        return outcome;
    }

    /// <summary>A batch as a leader stored it: <paramref name="records"/> records from <paramref name="baseOffset"/>, stamped with <paramref name="epoch"/>.</summary>
    public static byte[] LeaderBatch(long baseOffset, int records, int epoch)
    {
        var batch = TestBatches.Build(records);
        RecordBatchHeader.SetBaseOffset(batch, baseOffset);
        RecordBatchHeader.SetPartitionLeaderEpoch(batch, epoch);
        return batch;
    }

    public void Dispose()
    {
        Log.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp dir is harmless.
        }
    }
}
