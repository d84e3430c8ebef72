namespace Weir.Client.Producer;

/// <summary>How a record picks its partition (librdkafka's names for the <c>partitioner</c> setting).</summary>
public enum Partitioner
{
    /// <summary>The Java client's default: murmur2(key) for keyed records; records without a key stick to one partition per batch.</summary>
    Murmur2Random,

    /// <summary>murmur2(key); records without a key all go to one partition (murmur2 of the empty key), as librdkafka's murmur2.</summary>
    Murmur2,

    /// <summary>librdkafka's default: CRC-32(key); records without a key go to a random partition.</summary>
    ConsistentRandom,

    /// <summary>CRC-32(key); records without a key hash as empty.</summary>
    Consistent,

    /// <summary>A random partition for every record.</summary>
    Random,
}
