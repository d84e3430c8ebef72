using BenchmarkDotNet.Attributes;
using Weir.Protocol.Messages;
using Weir.Protocol.Primitives;
using Weir.Protocol.Records;

namespace Weir.Benchmarks;

/// <summary>
/// A produce request carrying one 1,000-record batch (10-byte keys, 100-byte values) for one
/// partition, as a client sends it: encode is ComputeSize plus Write into a preallocated buffer
/// (should allocate nothing); decode reads it from memory, slicing the records without copying
/// (should allocate only the returned objects). v7 is the last classic version, v9 the first
/// flexible one (compact lengths, tagged fields).
/// </summary>
[MemoryDiagnoser]
public class ProduceRequestBenchmarks
{
    private ProduceRequest _request = null!;
    private byte[] _buffer = [];
    private ReadOnlyMemory<byte> _encoded;

    [Params(CompressionType.None, CompressionType.Lz4)]
    public CompressionType Compression { get; set; }

    [Params((short)7, (short)9)]
    public short Version { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var batch = BenchmarkData.CreateBatch(Compression);
        _request = new ProduceRequest
        {
            TransactionalId = null,
            Acks = -1,
            TimeoutMs = 30_000,
            TopicData =
            [
                new ProduceRequest.TopicProduceData
                {
                    Name = "benchmark-topic",
                    PartitionData = [new ProduceRequest.PartitionProduceData { Index = 0, Records = batch }],
                },
            ],
        };
        _buffer = new byte[_request.ComputeSize(Version)];
        Encode();
        _encoded = _buffer;
    }

    [Benchmark(Description = "Encode (ComputeSize + Write)")]
    public int Encode()
    {
        var size = _request.ComputeSize(Version);
        var writer = new KafkaWriter(_buffer.AsSpan(0, size));
        _request.Write(ref writer, Version);
        return writer.Position;
    }

    [Benchmark(Description = "Decode (Read)")]
    public ProduceRequest Decode()
    {
        var reader = new KafkaReader(_encoded);
        return ProduceRequest.Read(ref reader, Version);
    }

    /// <summary>What a broker does with a produce request before appending: decode, then check every batch and record.</summary>
    [Benchmark(Description = "Decode + ValidateRecords")]
    public RecordBatchError DecodeAndValidate()
    {
        var reader = new KafkaReader(_encoded);
        var request = ProduceRequest.Read(ref reader, Version);
        var records = request.TopicData[0].PartitionData[0].Records.GetValueOrDefault().Span;
        var error = RecordBatchError.None;
        foreach (var batch in new RecordBatchEnumerator(records))
        {
            error = RecordBatch.ValidateRecords(batch);
            if (error != RecordBatchError.None)
            {
                break;
            }
        }

        return error;
    }
}
