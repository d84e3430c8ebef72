using BenchmarkDotNet.Attributes;
using Weir.Protocol.Records;

namespace Weir.Benchmarks;

/// <summary>
/// The broker's produce-path check of one 1,000-record batch, before and after the LogValidator
/// checks: header + CRC alone (<see cref="RecordBatch.Validate"/>, all the produce path did
/// before), then that plus <see cref="RecordBatchValidator.Validate"/> (counts, offset deltas,
/// record lengths, timestamp bounds, bounded decompression) as PartitionAppender runs them now.
/// </summary>
[MemoryDiagnoser]
public class ProduceValidationBenchmarks
{
    private byte[] _batch = [];
    private RecordValidationSettings _settings;

    [Params(CompressionType.None, CompressionType.Lz4, CompressionType.Zstd)]
    public CompressionType Compression { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _batch = BenchmarkData.CreateBatch(Compression);
        // Finite timestamp bounds, so the per-record timestamp comparison is part of the cost.
        _settings = new RecordValidationSettings(BenchmarkData.BaseTimestamp + 500, false, 86_400_000, 3_600_000, false, 32 << 20);
    }

    [Benchmark(Baseline = true, Description = "before: header + CRC")]
    public RecordBatchError HeaderAndCrc() => RecordBatch.Validate(_batch);

    [Benchmark(Description = "after: header + CRC + LogValidator records")]
    public bool HeaderCrcAndRecords() =>
        RecordBatch.Validate(_batch) == RecordBatchError.None && RecordBatchValidator.Validate(_batch, _settings) is null;
}
