using BenchmarkDotNet.Attributes;
using Weir.Protocol.Messages;
using Weir.Protocol.Primitives;
using Weir.Protocol.Records;

namespace Weir.Benchmarks;

/// <summary>
/// A broker's fetch response: 4 partitions of one topic, each carrying 1 MiB of record batches
/// (uncompressed 1,000-record batches back to back, the last one cut short as a size-limited
/// fetch returns it). Encoding copies the 4 MiB of records into the response buffer, so compare
/// it with <see cref="ChecksumBenchmarks.MemoryCopy"/> (1 MiB). Decode is the consumer's side and
/// slices the records without copying. v12 is the first flexible version (topic names), v16 uses
/// topic IDs.
/// </summary>
[MemoryDiagnoser]
public class FetchResponseBenchmarks
{
    public const int PartitionCount = 4;
    public const int RecordsPerPartition = 1 << 20;

    private FetchResponse _response = null!;
    private byte[] _buffer = [];
    private ReadOnlyMemory<byte> _encoded;

    [Params((short)12, (short)16)]
    public short Version { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var batch = BenchmarkData.CreateBatch(CompressionType.None);
        var topic = new FetchResponse.FetchableTopicResponse { Topic = "benchmark-topic", TopicId = new Guid("6b1e2c58-5f4e-4a8e-9b7a-0c1d2e3f4a5b") };
        for (var p = 0; p < PartitionCount; p++)
        {
            // Each partition has its own copy so the encoder reads 4 distinct MiB, as from 4 log segments.
            var records = new byte[RecordsPerPartition];
            for (var offset = 0; offset < records.Length; offset += batch.Length)
            {
                batch.AsSpan(0, Math.Min(batch.Length, records.Length - offset)).CopyTo(records.AsSpan(offset));
            }

            topic.Partitions.Add(new FetchResponse.PartitionData
            {
                PartitionIndex = p,
                HighWatermark = 1_000_000,
                LastStableOffset = 1_000_000,
                LogStartOffset = 0,
                Records = records,
            });
        }

        _response = new FetchResponse { Responses = [topic] };
        _buffer = new byte[_response.ComputeSize(Version)];
        Encode();
        _encoded = _buffer;
    }

    [Benchmark(Description = "Encode 4 x 1 MiB (ComputeSize + Write)")]
    public int Encode()
    {
        var size = _response.ComputeSize(Version);
        var writer = new KafkaWriter(_buffer.AsSpan(0, size));
        _response.Write(ref writer, Version);
        return writer.Position;
    }

    [Benchmark(Description = "Decode 4 x 1 MiB (Read)")]
    public FetchResponse Decode()
    {
        var reader = new KafkaReader(_encoded);
        return FetchResponse.Read(ref reader, Version);
    }
}
