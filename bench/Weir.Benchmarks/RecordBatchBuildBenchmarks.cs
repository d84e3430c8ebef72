using BenchmarkDotNet.Attributes;
using Weir.Protocol.Compression;
using Weir.Protocol.Records;

namespace Weir.Benchmarks;

/// <summary>
/// A producer's batching cost: append 1,000 records to a reused builder and build the batch
/// (compress, header, CRC) into a reused pooled buffer. Steady state should allocate nothing.
/// </summary>
[MemoryDiagnoser]
public class RecordBatchBuildBenchmarks : IDisposable
{
    private byte[][] _keys = [];
    private byte[][] _values = [];
    private RecordBatchBuilder _builder = null!;
    private PooledBufferWriter _output = null!;

    [Params(CompressionType.None, CompressionType.Lz4, CompressionType.Zstd, CompressionType.Gzip, CompressionType.Snappy)]
    public CompressionType Compression { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_keys, _values) = BenchmarkData.CreateRecords(BenchmarkData.RecordCount);
        _builder = new RecordBatchBuilder();
        _output = new PooledBufferWriter(256 * 1024);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _builder?.Dispose();
        _output?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Description = "Build 1,000 records")]
    public int Build()
    {
        _builder.Reset();
        _builder.Compression = Compression;
        BenchmarkData.AppendAll(_builder, _keys, _values);
        _output.Clear();
        return _builder.Build(_output);
    }
}
