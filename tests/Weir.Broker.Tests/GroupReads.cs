using System.Text.Json;

namespace Weir.Broker.Tests;

/// <summary>Reads a topic through a kcat group consumer, and committed and end offsets, for the group tests.</summary>
public static class GroupReads
{
    public const int Partitions = 4;

    /// <summary>Every value a kcat -G consumer reads until it reaches the end of all partitions; it commits on exit.</summary>
    public static async Task<string[]> KcatGroupAsync(string bootstrap, string group, string topic)
    {
        var result = await ProcessRunner.RunAsync(
            "kcat",
            ["-b", bootstrap, "-X", "broker.address.family=v4", "-G", group, "-X", "auto.offset.reset=earliest", "-e", "-q", "-f", "%s\n", topic],
            timeout: TimeSpan.FromSeconds(120));
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The group's committed offsets of partitions 0..3, read by kafka-python (null when none).</summary>
    public static async Task<long?[]> CommittedAsync(string bootstrap, string group, string topic)
    {
        var result = await Python.RunAsync("committed_offsets.py", bootstrap, group, topic, Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonSerializer.Deserialize<long?[]>(result.StdOut)!;
    }

    /// <summary>The log end offsets of partitions 0..3, from kcat's offset query.</summary>
    public static async Task<long[]> EndOffsetsAsync(string bootstrap, string topic)
    {
        var ends = new long[Partitions];
        for (var p = 0; p < Partitions; p++)
        {
            var result = await ProcessRunner.RunAsync("kcat", ["-b", bootstrap, "-X", "broker.address.family=v4", "-Q", "-t", $"{topic}:{p}:-1"]);
            Assert.True(result.ExitCode == 0, result.ToString());
            var marker = " offset ";
            var text = result.StdOut.Trim();
            ends[p] = long.Parse(text[(text.LastIndexOf(marker, StringComparison.Ordinal) + marker.Length)..], System.Globalization.CultureInfo.InvariantCulture);
        }

        return ends;
    }
}
