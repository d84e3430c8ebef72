using Weir.Protocol;
using Weir.Protocol.Records;

namespace Weir.Broker.Partitions;

/// <summary>
/// The answer for one partition of a Produce request; <paramref name="RecordErrors"/> are Produce v8+'s
/// record_errors. <see cref="LastOffset"/> is the appended batch's last offset, what acks=-1 waits for.
/// </summary>
public readonly record struct AppendOutcome(ErrorCode Error, long BaseOffset, long LogAppendTimeMs, long LogStartOffset, string? Message = null, IReadOnlyList<RecordError>? RecordErrors = null)
{
    public long LastOffset { get; init; } = -1;

    public static AppendOutcome Failed(ErrorCode error, string? message = null, IReadOnlyList<RecordError>? recordErrors = null) =>
        new(error, -1, -1, -1, message, recordErrors);
}
