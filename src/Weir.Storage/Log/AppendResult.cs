namespace Weir.Storage.Log;

/// <summary>What an append did: the offsets it assigned and the log start offset (Produce response fields).</summary>
/// <param name="LogAppendTimeMs">The LogAppendTime the caller stamped, or -1 for CreateTime.</param>
public readonly record struct AppendResult(LogError Error, long BaseOffset, long LastOffset, long LogAppendTimeMs, long LogStartOffset, int BatchCount);
