using Weir.Protocol.Messages;
using Weir.Protocol.Primitives;

namespace Weir.Storage.Tests;

public class FetchSliceRecordsTests
{
    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public void A_response_with_file_backed_records_writes_the_same_bytes_as_one_with_a_copy(short version)
    {
        using var fx = new LogFixture();
        using var log = fx.Open();
        for (var i = 0; i < 4; i++)
        {
            LogFixture.Append(log, 10);
        }

        var slice = log.Read(10, 1 << 20, log.HighWatermark, minOneBatch: true);
        Assert.True(slice.Length > 0);

        var deferred = Encode(slice.AsRecords(), version);
        var copied = Encode(slice.ToArray(), version);
        Assert.Equal(copied, deferred);
    }

    [Fact]
    public void File_backed_records_read_as_a_span_hold_the_slice_bytes()
    {
        using var fx = new LogFixture();
        using var log = fx.Open();
        LogFixture.Append(log, 5);
        var slice = log.Read(0, 1 << 20, log.HighWatermark, minOneBatch: true);

        Assert.Equal(slice.ToArray(), slice.AsRecords().ToArray());
        Assert.True(log.Read(5, 1 << 20, log.HighWatermark, minOneBatch: true).AsRecords().IsEmpty);
    }

    private static byte[] Encode(ReadOnlyMemory<byte> records, short version)
    {
        var response = new FetchResponse();
        var topic = new FetchResponse.FetchableTopicResponse { Topic = "t" };
        topic.Partitions.Add(new FetchResponse.PartitionData { PartitionIndex = 0, Records = records });
        response.Responses.Add(topic);
        var bytes = new byte[response.ComputeSize(version)];
        var writer = new KafkaWriter(bytes);
        response.Write(ref writer, version);
        Assert.Equal(bytes.Length, writer.Position);
        return bytes;
    }
}
