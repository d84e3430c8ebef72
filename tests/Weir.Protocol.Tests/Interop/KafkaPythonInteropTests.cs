using System.Buffers;
using System.Text.Json;
using Weir.Protocol.Compression;
using Weir.Protocol.Records;
using Weir.Protocol.Tests.Records;

namespace Weir.Protocol.Tests.Interop;

/// <summary>Batches and codec streams exchanged with kafka-python 2.0.2 (Debian python3-kafka).</summary>
public class KafkaPythonInteropTests : IDisposable
{
    private static readonly string[] CodecNames = ["none", "gzip", "snappy", "lz4", "zstd"];

    private readonly string _directory = KafkaPython.CreateTempDirectory();

    public void Dispose()
    {
        Directory.Delete(_directory, recursive: true);
        GC.SuppressFinalize(this);
    }

    private static byte[]? Hex(JsonElement element) =>
        element.ValueKind == JsonValueKind.Null ? null : Convert.FromHexString(element.GetString()!);

    private static List<TestRecord> RecordsFromJson(JsonElement records) =>
        [.. records.EnumerateArray().Select(r => new TestRecord(
            r.GetProperty("offset").GetInt64(),
            r.GetProperty("timestamp").GetInt64(),
            Hex(r.GetProperty("key")),
            Hex(r.GetProperty("value")),
            [.. r.GetProperty("headers").EnumerateArray().Select(h => (h[0].GetString()!, Hex(h[1])))]))];

    [Fact]
    public void Batches_built_by_kafka_python_decode_to_the_records_put_in()
    {
        KafkaPython.Run("kafka_python_build.py", _directory);
        foreach (var name in CodecNames)
        {
            var batch = File.ReadAllBytes(Path.Combine(_directory, name + ".bin"));
            using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(_directory, name + ".json")));
            var root = expected.RootElement;

            Assert.Equal(RecordBatchError.None, RecordBatch.ValidateRecords(batch));
            var header = new RecordBatchHeader(batch);
            // kafka-python falls back to no compression when it does not help; the data is chosen so it does.
            Assert.Equal((CompressionType)root.GetProperty("compression").GetInt32(), header.Compression);
            Assert.Equal(root.GetProperty("transactional").GetBoolean(), header.IsTransactional);
            Assert.Equal(root.GetProperty("producer_id").GetInt64(), header.ProducerId);
            Assert.Equal(root.GetProperty("producer_epoch").GetInt16(), header.ProducerEpoch);
            Assert.Equal(root.GetProperty("base_sequence").GetInt32(), header.BaseSequence);
            TestRecord.AssertSame(RecordsFromJson(root.GetProperty("records")), TestRecord.ReadAll(batch));
        }
    }

    [Fact]
    public void Codec_streams_from_kafka_python_and_its_codec_modules_decode()
    {
        KafkaPython.Run("kafka_python_build.py", _directory);
        var plain = File.ReadAllBytes(Path.Combine(_directory, "plain.bin"));
        var streams = new (string File, CompressionType Codec)[]
        {
            ("snappy-xerial", CompressionType.Snappy), // kafka-python's batches (xerial, like Java)
            ("snappy-raw", CompressionType.Snappy), // librdkafka's batches (one raw block)
            ("lz4-frame", CompressionType.Lz4), // LZ4 frame with content size, independent blocks
            ("zstd-with-size", CompressionType.Zstd),
            ("zstd-no-size", CompressionType.Zstd), // as zstd-jni streams write
        };
        foreach (var (file, codec) in streams)
        {
            var compressed = File.ReadAllBytes(Path.Combine(_directory, file + ".bin"));
            using var output = new PooledBufferWriter();
            CompressionCodecs.Decompress(codec, compressed, output);
            Assert.True(plain.AsSpan().SequenceEqual(output.WrittenSpan), $"{file} decoded wrongly");
        }

        Assert.True(SnappyCodec.IsXerialFramed(File.ReadAllBytes(Path.Combine(_directory, "snappy-xerial.bin"))));
    }

    [Fact]
    public void Batches_built_here_are_accepted_by_kafka_python()
    {
        var expected = TestRecord.Sample(500);
        var files = new List<string>();
        foreach (var (name, index) in CodecNames.Select((n, i) => (n, i)))
        {
            var batch = TestRecord.Build((CompressionType)index, expected, b =>
            {
                b.BaseOffset = 500;
                b.ProducerId = 31;
                b.ProducerEpoch = 1;
                b.BaseSequence = 0;
                b.IsTransactional = index % 2 == 0;
            });
            var path = Path.Combine(_directory, "weir-" + name + ".bin");
            File.WriteAllBytes(path, batch);
            files.Add(path);
        }

        var logAppend = TestRecord.Build(CompressionType.Zstd, expected, b =>
        {
            b.BaseOffset = 500;
            b.TimestampType = TimestampType.LogAppendTime;
            b.LogAppendTime = 1_800_000_000_000;
        });
        var logAppendPath = Path.Combine(_directory, "weir-log-append.bin");
        File.WriteAllBytes(logAppendPath, logAppend);

        var marker = new ArrayBufferWriter<byte>();
        using (var builder = new RecordBatchBuilder { BaseOffset = 505, ProducerId = 31, ProducerEpoch = 1, IsTransactional = true, IsControl = true })
        {
            builder.AppendEndTransactionMarker(TestRecord.T0, new EndTransactionMarker(ControlRecordType.Abort, 12));
            builder.Build(marker);
        }

        var markerPath = Path.Combine(_directory, "weir-marker.bin");
        File.WriteAllBytes(markerPath, marker.WrittenSpan.ToArray());

        var lines = KafkaPython.Run("kafka_python_read.py", [.. files, logAppendPath, markerPath])
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(files.Count + 2, lines.Length);

        for (var i = 0; i < files.Count; i++)
        {
            using var doc = JsonDocument.Parse(lines[i]);
            var root = doc.RootElement;
            Assert.True(root.GetProperty("crc_valid").GetBoolean(), $"{CodecNames[i]}: kafka-python says the CRC is wrong");
            Assert.Equal(2, root.GetProperty("magic").GetInt32());
            Assert.Equal(i, root.GetProperty("compression").GetInt32());
            Assert.Equal(500, root.GetProperty("base_offset").GetInt64());
            Assert.Equal(i % 2 == 0, root.GetProperty("transactional").GetBoolean());
            Assert.Equal(4, root.GetProperty("last_offset_delta").GetInt32());
            Assert.Equal(TestRecord.T0 + 20, root.GetProperty("max_timestamp").GetInt64());
            TestRecord.AssertSame(expected, RecordsFromJson(root.GetProperty("records")));
        }

        using (var doc = JsonDocument.Parse(lines[files.Count]))
        {
            var root = doc.RootElement;
            Assert.True(root.GetProperty("crc_valid").GetBoolean());
            Assert.Equal(1, root.GetProperty("timestamp_type").GetInt32());
            Assert.All(RecordsFromJson(root.GetProperty("records")), r => Assert.Equal(1_800_000_000_000, r.Timestamp));
        }

        using (var doc = JsonDocument.Parse(lines[files.Count + 1]))
        {
            var root = doc.RootElement;
            Assert.True(root.GetProperty("crc_valid").GetBoolean());
            Assert.True(root.GetProperty("control").GetBoolean());
            var record = Assert.Single(RecordsFromJson(root.GetProperty("records")));
            Assert.Equal(505, record.Offset);
            Assert.Equal([0, 0, 0, 0], record.Key); // version 0, ABORT
            Assert.Equal([0, 0, 0, 0, 0, 12], record.Value); // version 0, coordinator epoch 12
        }
    }
}
