namespace Weir.Client.Producer;

/// <summary>A record produced before its topic's metadata arrived: its bytes are copied until then.</summary>
internal readonly record struct PendingRecord(
    byte[]? Key,
    byte[]? Value,
    IReadOnlyList<RecordHeader>? Headers,
    long Timestamp,
    int? Partition,
    object? Completion,
    long State);
