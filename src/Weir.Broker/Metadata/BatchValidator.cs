using Weir.Protocol.Records;
using Weir.Storage;

namespace Weir.Broker.Metadata;

/// <summary>Recovery's CRC check for the storage layer: Kafka's ensureValid on one batch.</summary>
public sealed class BatchValidator : IBatchValidator
{
    public static readonly BatchValidator Instance = new();

    public bool IsValid(ReadOnlySpan<byte> batch) => RecordBatch.Validate(batch) == RecordBatchError.None;
}
