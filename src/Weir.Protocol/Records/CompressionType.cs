namespace Weir.Protocol.Records;

/// <summary>The codec in bits 0–2 of a record batch's attributes (Kafka's CompressionType ids).</summary>
public enum CompressionType : byte
{
    None = 0,
    Gzip = 1,
    Snappy = 2,
    Lz4 = 3,
    Zstd = 4,
}
