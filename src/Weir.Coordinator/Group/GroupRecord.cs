namespace Weir.Coordinator.Group;

/// <summary>
/// One record for <c>__consumer_offsets</c>: key and value each start with an int16 schema version,
/// as Kafka writes them. A null value is a tombstone.
/// </summary>
public readonly record struct GroupRecord(byte[] Key, byte[]? Value);
