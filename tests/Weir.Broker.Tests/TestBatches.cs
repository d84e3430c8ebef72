using System.Text;
using Weir.Protocol.Compression;
using Weir.Protocol.Records;

namespace Weir.Broker.Tests;

/// <summary>Record batches built with Weir's own builder, for raw-protocol tests.</summary>
public static class TestBatches
{
    public static byte[] Build(int count, string prefix = "v", CompressionType compression = CompressionType.None)
    {
        using var builder = new RecordBatchBuilder { Compression = compression };
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < count; i++)
        {
            builder.Append(now, Encoding.UTF8.GetBytes($"k{i}"), Encoding.UTF8.GetBytes($"{prefix}{i}"));
        }

        using var buffer = new PooledBufferWriter();
        builder.Build(buffer);
        return buffer.WrittenSpan.ToArray();
    }
}
