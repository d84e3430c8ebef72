using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Weir.Storage.Log;

/// <summary>
/// What one recovery truncation removed from a partition's log, for the WARN the broker logs and the
/// <see cref="RecoveryMetrics"/> counters.
/// </summary>
/// <param name="TopicPartition">The partition.</param>
/// <param name="SegmentBaseOffset">The segment cut at the first bad or partial batch.</param>
/// <param name="Position">The byte position of the cut in that segment.</param>
/// <param name="NewLogEndOffset">The log end offset after the cut (the first offset removed).</param>
/// <param name="RemovedLastOffset">The last offset the removed data claimed, or −1 when no header was readable.</param>
/// <param name="BytesRemoved">Bytes removed, the cut segment's tail and the deleted segments together.</param>
/// <param name="SegmentsDeleted">Later segments deleted because the log cannot continue past a hole.</param>
/// <param name="AfterCleanShutdown">True when the damage was found despite a clean-shutdown marker.</param>
public readonly record struct RecoveryTruncation(
    TopicPartition TopicPartition,
    long SegmentBaseOffset,
    long Position,
    long NewLogEndOffset,
    long RemovedLastOffset,
    long BytesRemoved,
    int SegmentsDeleted,
    bool AfterCleanShutdown)
{
    /// <summary>Records removed as far as the removed headers tell (0 when none was readable).</summary>
    public long RecordsRemoved => RemovedLastOffset >= NewLogEndOffset ? RemovedLastOffset - NewLogEndOffset + 1 : 0;
}

/// <summary>
/// Recovery counters on the <c>Weir.Storage</c> meter (System.Diagnostics.Metrics), tagged by topic
/// and partition: how often recovery cut a log, and how many bytes, records and segments it removed.
/// </summary>
public static class RecoveryMetrics
{
    public const string MeterName = "Weir.Storage";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Truncations = Meter.CreateCounter<long>("weir.log.recovery.truncations", "{truncation}", "Recovery truncations of a partition log");
    private static readonly Counter<long> Bytes = Meter.CreateCounter<long>("weir.log.recovery.truncated.bytes", "By", "Bytes removed by recovery truncations");
    private static readonly Counter<long> Records = Meter.CreateCounter<long>("weir.log.recovery.truncated.records", "{record}", "Records removed by recovery truncations, as far as their headers tell");
    private static readonly Counter<long> Segments = Meter.CreateCounter<long>("weir.log.recovery.deleted.segments", "{segment}", "Segments deleted by recovery truncations");

    internal static void Record(in RecoveryTruncation t)
    {
        var tags = new TagList { { "topic", t.TopicPartition.Topic }, { "partition", t.TopicPartition.Partition } };
        Truncations.Add(1, tags);
        Bytes.Add(t.BytesRemoved, tags);
        Records.Add(t.RecordsRemoved, tags);
        Segments.Add(t.SegmentsDeleted, tags);
    }
}
