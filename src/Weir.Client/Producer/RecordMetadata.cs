namespace Weir.Client.Producer;

/// <summary>Where a produced record went. Offset is -1 when acks=0 (the broker does not say).</summary>
public readonly record struct RecordMetadata(string Topic, int Partition, long Offset, long Timestamp);
