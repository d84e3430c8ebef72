using Weir.Protocol.Records;

namespace Weir.Storage.Tests;

/// <summary>Checks the CRC-32C of a batch the way Kafka's <c>ensureValid</c> does.</summary>
internal sealed class TestBatchValidator : IBatchValidator
{
    public static TestBatchValidator Instance { get; } = new();

    public bool IsValid(ReadOnlySpan<byte> batch)
    {
        var header = new RecordBatchHeader(batch);
        return header.TotalSize == batch.Length && TestCrc32C.Compute(batch[RecordBatchHeader.AttributesOffset..]) == header.Crc;
    }
}
