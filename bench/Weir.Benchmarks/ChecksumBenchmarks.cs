using BenchmarkDotNet.Attributes;
using Weir.Protocol.Records;

namespace Weir.Benchmarks;

/// <summary>
/// CRC-32C over 1 MiB against a plain 1 MiB copy measured in the same run: the copy is the
/// machine's memory-bandwidth reference, so the ratio says how close the CRC gets to it.
/// </summary>
[MemoryDiagnoser]
public class ChecksumBenchmarks
{
    public const int Size = 1 << 20;

    private byte[] _source = [];
    private byte[] _destination = [];

    [GlobalSetup]
    public void Setup()
    {
        _source = new byte[Size];
        new Random(7).NextBytes(_source);
        _destination = new byte[Size];
    }

    [Benchmark(Baseline = true, Description = "memcpy 1 MiB")]
    public void MemoryCopy() => _source.AsSpan().CopyTo(_destination);

    [Benchmark(Description = "CRC-32C 1 MiB")]
    public uint Crc32C1MiB() => Crc32C.Compute(_source);
}
