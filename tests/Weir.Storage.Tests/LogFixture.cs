using Weir.Storage.Log;

namespace Weir.Storage.Tests;

/// <summary>Opens partition logs in a temp dir with a manual clock.</summary>
internal sealed class LogFixture : IDisposable
{
    private readonly TempDir _dir = new();

    public ManualTimeProvider Time { get; } = new(1_000_000);

    public string LogDir => _dir.Combine("t-0");

    public PartitionLog Open(LogConfig? config = null, bool clean = true, long recoveryPoint = 0, long logStartOffset = 0, long highWatermark = 0) =>
        PartitionLog.Open(LogDir, new TopicPartition("t", 0), config ?? LogConfig.Default, new PartitionLogOptions
        {
            Validator = TestBatchValidator.Instance,
            Time = Time,
            HadCleanShutdown = clean,
            RecoveryPoint = recoveryPoint,
            LogStartOffset = logStartOffset,
            HighWatermark = highWatermark,
        });

    /// <summary>Appends one batch of <paramref name="records"/> records and moves the high watermark to the end.</summary>
    public static AppendResult Append(PartitionLog log, int records, long baseTimestamp = 1_000, int valueSize = 10, int epoch = 0)
    {
        var result = log.Append(TestBatches.Batch(records, baseTimestamp, valueSize: valueSize), epoch);
        log.UpdateHighWatermark(log.LogEndOffset);
        return result;
    }

    public void Dispose() => _dir.Dispose();
}
