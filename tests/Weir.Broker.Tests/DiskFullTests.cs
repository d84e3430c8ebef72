using System.Diagnostics;
using System.Globalization;
using System.Text;
using Weir.Protocol;
using Weir.Protocol.Messages;
using Weir.Protocol.Records;

namespace Weir.Broker.Tests;

/// <summary>
/// A real full disk (a small tmpfs holding log.dirs) under a real `weir start` process, driven by kcat
/// and raw requests: produce answers KAFKA_STORAGE_ERROR promptly instead of closing the connection,
/// works again once space is freed without a restart, SIGTERM while full exits 0, a start-up on a full
/// or read-only dir names the real cause, and nothing acknowledged is lost.
/// </summary>
public sealed class DiskFullTests
{
    private const string Topic = "full";

    [Fact]
    public async Task Full_disk_answers_KAFKA_STORAGE_ERROR_recovers_when_freed_and_shuts_down_cleanly()
    {
        using var fs = new Tmpfs("16m");
        var dataDir = fs.Combine("data");
        var port = BrokerProcess.FreePort();
        var acked = new List<string>();
        using (var broker = await BrokerProcess.StartAsync(dataDir, port))
        {
            using var connection = await RawConnection.ConnectAsync(broker.EndPoint);
            var create = await connection.RequestAsync<CreateTopicsResponse>(ApiKey.CreateTopics, 7, new CreateTopicsRequest
            {
                timeoutMs = 5000,
                Topics = [new CreateTopicsRequest.CreatableTopic { Name = Topic, NumPartitions = 1, ReplicationFactor = 1 }],
            });
            Assert.Equal(0, Assert.Single(create.Topics).ErrorCode);

            var lines = Enumerable.Range(0, 500).Select(i => "kcat-" + i.ToString(CultureInfo.InvariantCulture)).ToList();
            var produced = await ProcessRunner.RunAsync("kcat", Kcat(port, "-P", "-t", Topic, "-X", "acks=all"), string.Join('\n', lines) + "\n");
            Assert.True(produced.ExitCode == 0, produced.ToString());
            acked.AddRange(lines);

            // Full: the produce is answered (not a closed connection) with KAFKA_STORAGE_ERROR, promptly.
            fs.Fill();
            await ProduceUntilStorageErrorAsync(connection, acked, "a");

            // A real client sees the error as such and gives up when out of retries, instead of timing out.
            var refused = await ProcessRunner.RunAsync(
                "kcat",
                Kcat(port, "-P", "-t", Topic, "-X", "acks=all", "-X", "message.send.max.retries=1", "-X", "retry.backoff.ms=10", "-X", "message.timeout.ms=20000"),
                // Larger than a page: a small batch could still fit the slack of the segment's last page.
                "lost-1-" + new string('x', 6000) + "\nlost-2-" + new string('x', 6000) + "\n",
                TimeSpan.FromSeconds(30));
            Assert.Contains("Disk error when trying to access log file on disk", refused.StdErr, StringComparison.Ordinal);

            // One log line for the whole episode, not one per failed request.
            Assert.True(await broker.WaitForOutputAsync("until space is freed", TimeSpan.FromSeconds(10)), broker.Output);
            Assert.Equal(1, CountLines(broker.Output, $"writes to {Topic}-0 answer KAFKA_STORAGE_ERROR until space is freed"));
            Assert.Contains("No space left on device", broker.Output, StringComparison.Ordinal);

            // Space freed: the same connection's next produce works, without a restart.
            fs.Free();
            var after = await ProduceAsync(connection, "b", 0);
            Assert.Equal(0, after.ErrorCode);
            acked.AddRange(Values("b", 0));
            Assert.True(await broker.WaitForOutputAsync($"Writes to {Topic}-0 in log dir", TimeSpan.FromSeconds(10)), broker.Output);

            // Full again, then SIGTERM: a clean exit, no unhandled exception.
            fs.Fill();
            await ProduceUntilStorageErrorAsync(connection, acked, "c");
            var exitCode = await broker.TerminateAsync(TimeSpan.FromSeconds(30));
            Assert.True(exitCode == 0, broker.Output);
            Assert.DoesNotContain("Unhandled exception", broker.Output, StringComparison.Ordinal);
            Assert.Contains("its next start recovers it", broker.Output, StringComparison.Ordinal);
        }

        // A start while still full recovers without writing (segments and indexes open lazily), serves
        // what is there and answers writes with KAFKA_STORAGE_ERROR, never a crash or a guess about the port.
        using (var broker = await BrokerProcess.StartAsync(dataDir, port))
        {
            using var connection = await RawConnection.ConnectAsync(broker.EndPoint);
            var full = await ProduceAsync(connection, "d", 0);
            Assert.Equal((short)ErrorCode.KafkaStorageError, full.ErrorCode);
            var consumed = await ProcessRunner.RunAsync("kcat", Kcat(port, "-C", "-t", Topic, "-o", "beginning", "-e", "-q"), timeout: TimeSpan.FromSeconds(60));
            Assert.True(consumed.ExitCode == 0, consumed.ToString());
            Assert.Equal(acked, consumed.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal(0, await broker.TerminateAsync(TimeSpan.FromSeconds(30)));
            Assert.DoesNotContain("Unhandled exception", broker.Output, StringComparison.Ordinal);
        }

        // Space freed: everything acknowledged is there, once, in order.
        fs.Free();
        using (var broker = await BrokerProcess.StartAsync(dataDir, port))
        {
            var consumed = await ProcessRunner.RunAsync("kcat", Kcat(port, "-C", "-t", Topic, "-o", "beginning", "-e", "-q"), timeout: TimeSpan.FromSeconds(60));
            Assert.True(consumed.ExitCode == 0, consumed.ToString());
            Assert.Equal(acked, consumed.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal(0, await broker.TerminateAsync(TimeSpan.FromSeconds(30)));
        }
    }

    [Fact]
    public async Task Start_up_on_a_read_only_or_unusable_log_dir_names_the_cause()
    {
        using var readOnly = new Tmpfs("1m", ",ro");
        var (code, output) = await BrokerProcess.RunFailingStartAsync(readOnly.Combine("data"), BrokerProcess.FreePort());
        Assert.NotEqual(0, code);
        Assert.Contains("Read-only file system", output, StringComparison.Ordinal);
        Assert.DoesNotContain("port", output, StringComparison.OrdinalIgnoreCase);

        // log.dirs naming a file, not a directory.
        using var fs = new Tmpfs("1m");
        var file = fs.Combine("not-a-dir");
        await File.WriteAllTextAsync(file, "x");
        (code, output) = await BrokerProcess.RunFailingStartAsync(file, BrokerProcess.FreePort());
        Assert.NotEqual(0, code);
        Assert.Contains(file, output, StringComparison.Ordinal);
        Assert.DoesNotContain("port", output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_up_on_a_port_in_use_still_names_the_port()
    {
        using var fs = new Tmpfs("1m");
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        var (code, output) = await BrokerProcess.RunFailingStartAsync(fs.Combine("data"), port);
        Assert.NotEqual(0, code);
        Assert.Contains("Is another broker already using the port?", output, StringComparison.Ordinal);
    }

    private static string[] Kcat(int port, params string[] args) => ["-b", $"127.0.0.1:{port}", "-X", "broker.address.family=v4", .. args];

    private static int CountLines(string output, string text) =>
        output.Split('\n').Count(l => l.Contains(text, StringComparison.Ordinal));

    private static IEnumerable<string> Values(string tag, int batch) =>
        Enumerable.Range(0, 10).Select(i => $"{tag}-{batch}-{i}");

    /// <summary>Produces 10-record batches until the disk refuses one (bounded); the acknowledged ones are added to <paramref name="acked"/>.</summary>
    private static async Task ProduceUntilStorageErrorAsync(RawConnection connection, List<string> acked, string tag)
    {
        for (var b = 0; b < 10_000; b++)
        {
            var clock = Stopwatch.StartNew();
            var result = await ProduceAsync(connection, tag, b);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"a produce took {clock.Elapsed}");
            if (result.ErrorCode == (short)ErrorCode.KafkaStorageError)
            {
                Assert.Equal(-1, result.BaseOffset);
                return;
            }

            Assert.Equal(0, result.ErrorCode);
            acked.AddRange(Values(tag, b));
        }

        Assert.Fail("The disk never filled up.");
    }

    private static async Task<ProduceResponse.PartitionProduceResponse> ProduceAsync(RawConnection connection, string tag, int batch)
    {
        using var builder = new RecordBatchBuilder();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var value in Values(tag, batch))
        {
            builder.Append(now, null, Encoding.ASCII.GetBytes(value));
        }

        using var buffer = new Weir.Protocol.Compression.PooledBufferWriter();
        builder.Build(buffer);
        var response = await connection.RequestAsync<ProduceResponse>(ApiKey.Produce, 9, new ProduceRequest
        {
            Acks = -1,
            TimeoutMs = 5000,
            TopicData = [new ProduceRequest.TopicProduceData { Name = Topic, PartitionData = [new ProduceRequest.PartitionProduceData { Index = 0, Records = buffer.WrittenSpan.ToArray() }] }],
        });
        return Assert.Single(Assert.Single(response.Responses).PartitionResponses);
    }
}
