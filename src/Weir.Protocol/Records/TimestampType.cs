namespace Weir.Protocol.Records;

/// <summary>Bit 3 of a v2 batch's attributes (Kafka's TimestampType).</summary>
public enum TimestampType
{
    CreateTime = 0,
    LogAppendTime = 1,
}
