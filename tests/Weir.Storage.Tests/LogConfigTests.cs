namespace Weir.Storage.Tests;

public class LogConfigTests
{
    [Fact]
    public void Defaults_are_kafkas()
    {
        var c = LogConfig.Default;
        Assert.Equal((1073741824, 604800000L, 604800000L, -1L), (c.SegmentBytes, c.SegmentMs, c.RetentionMs, c.RetentionBytes));
        Assert.Equal((4096, 10485760, "delete", 1048588), (c.IndexIntervalBytes, c.SegmentIndexBytes, c.CleanupPolicy, c.MaxMessageBytes));
        Assert.Equal((long.MaxValue, long.MaxValue, "CreateTime", 60000L), (c.FlushMessages, c.FlushMs, c.MessageTimestampType, c.FileDeleteDelayMs));
    }

    [Fact]
    public void Overrides_by_kafka_name_and_bad_values_are_values()
    {
        Assert.True(LogConfig.TryApply(LogConfig.Default, [new("retention.ms", "-1"), new("cleanup.policy", "delete, compact"), new("segment.bytes", "1048576")], out var c, out var error));
        Assert.Null(error);
        Assert.Equal((-1L, "compact,delete", 1048576), (c.RetentionMs, c.CleanupPolicy, c.SegmentBytes));
        Assert.True(c.IsCompactPolicy && c.IsDeletePolicy);

        Assert.False(LogConfig.TryApply(LogConfig.Default, [new("segment.bytes", "12")], out _, out error));
        Assert.Contains("segment.bytes", error, StringComparison.Ordinal);
        Assert.False(LogConfig.TryApply(LogConfig.Default, [new("no.such.config", "1")], out _, out _));
        Assert.False(LogConfig.TryApply(LogConfig.Default, [new("message.timestamp.type", "Wallclock")], out _, out _));
    }
}
