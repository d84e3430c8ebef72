using BenchmarkDotNet.Attributes;
using Weir.Protocol.Records;

namespace Weir.Benchmarks;

/// <summary>
/// A broker's and a consumer's per-batch cost on a 1,000-record batch: the header and CRC check
/// (<see cref="RecordBatch.Validate"/>), the full produce-path check including every record
/// (<see cref="RecordBatch.ValidateRecords"/>), and decompressing plus reading every record.
/// </summary>
[MemoryDiagnoser]
public class RecordBatchReadBenchmarks
{
    private byte[] _batch = [];

    [Params(CompressionType.None, CompressionType.Lz4)]
    public CompressionType Compression { get; set; }

    [GlobalSetup]
    public void Setup() => _batch = BenchmarkData.CreateBatch(Compression);

    [Benchmark(Description = "Validate (header + CRC)")]
    public RecordBatchError Validate() => RecordBatch.Validate(_batch);

    [Benchmark(Description = "ValidateRecords (CRC + every record)")]
    public RecordBatchError ValidateRecords() => RecordBatch.ValidateRecords(_batch);

    [Benchmark(Description = "Read all 1,000 records")]
    public long ReadAllRecords()
    {
        long sum = 0;
        using var records = RecordBatch.ReadRecords(_batch);
        foreach (var record in records)
        {
            sum += record.Offset + record.Key.Length + record.Value.Length;
        }

        return sum;
    }
}
