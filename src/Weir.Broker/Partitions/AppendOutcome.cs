using Weir.Protocol;

namespace Weir.Broker.Partitions;

/// <summary>The answer for one partition of a Produce request.</summary>
public readonly record struct AppendOutcome(ErrorCode Error, long BaseOffset, long LogAppendTimeMs, long LogStartOffset, string? Message = null)
{
    public static AppendOutcome Failed(ErrorCode error, string? message = null) => new(error, -1, -1, -1, message);
}
