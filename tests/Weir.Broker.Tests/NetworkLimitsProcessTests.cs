using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Tests;

/// <summary>
/// Limits that only a real process shows: its resident memory under requests that lie about their
/// size, and its open file limit (started under prlimit).
/// </summary>
public sealed class NetworkLimitsProcessTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "weir-limits-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Connections_sending_100_MB_prefixes_and_trickling_data_hold_bounded_memory_which_is_returned_when_they_close()
    {
        using var broker = await LoggedBrokerProcess.StartAsync(_dataDir, null, "queued.max.request.bytes=33554432", "socket.request.read.timeout.ms=120000");
        await AssertAnswersAsync(broker.EndPoint);
        var baseline = broker.ResidentMegabytes();
        const int connections = 20;
        const long perConnection = 50L << 20;
        var sockets = new List<Socket>();
        try
        {
            var prefix = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(prefix, 100 << 20);
            for (var i = 0; i < connections; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(broker.EndPoint);
                socket.Send(prefix);
                socket.Blocking = false;
                sockets.Add(socket);
            }

            // One thread pushes 50 MB down each socket as fast as the broker reads, for at most 15 s.
            var chunk = new byte[256 * 1024];
            var sent = new long[connections];
            var peak = 0L;
            var clock = Stopwatch.StartNew();
            var sampled = TimeSpan.Zero;
            while (clock.Elapsed < TimeSpan.FromSeconds(15))
            {
                var writable = new List<Socket>();
                for (var i = 0; i < connections; i++)
                {
                    if (sent[i] < perConnection)
                    {
                        writable.Add(sockets[i]);
                    }
                }

                if (writable.Count == 0)
                {
                    break;
                }

                Socket.Select(null, writable, null, 200_000);
                foreach (var socket in writable)
                {
                    var i = sockets.IndexOf(socket);
                    var n = socket.Send(chunk, 0, (int)Math.Min(chunk.Length, perConnection - sent[i]), SocketFlags.None, out var error);
                    if (error == SocketError.Success)
                    {
                        sent[i] += n;
                    }
                }

                if (clock.Elapsed - sampled > TimeSpan.FromMilliseconds(250))
                {
                    sampled = clock.Elapsed;
                    peak = Math.Max(peak, broker.ResidentMegabytes());
                }
            }

            peak = Math.Max(peak, broker.ResidentMegabytes());
            // While they hold what memory there is, small requests are still served.
            await AssertAnswersAsync(broker.EndPoint);
            var total = sent.Sum() >> 20;
            Assert.True(peak - baseline < 400, $"RSS grew {peak - baseline} MB (from {baseline} MB) with {total} MB sent on {connections} connections");
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }

        // Closed: the memory goes back to the OS, not just to a pool.
        var after = long.MaxValue;
        var wait = Stopwatch.StartNew();
        while (wait.Elapsed < TimeSpan.FromSeconds(20))
        {
            after = broker.ResidentMegabytes();
            if (after - baseline < 150)
            {
                break;
            }

            await Task.Delay(250);
        }

        Assert.True(after - baseline < 150, $"RSS still {after} MB (baseline {baseline} MB) 20 s after the connections closed");
        await AssertAnswersAsync(broker.EndPoint);
    }

    [Fact]
    public async Task Broker_started_under_a_low_soft_fd_limit_raises_it_to_the_hard_limit_and_warns_in_partitions()
    {
        using var broker = await LoggedBrokerProcess.StartAsync(_dataDir, "--nofile=64:4096");
        var limits = await File.ReadAllLinesAsync($"/proc/{broker.Pid}/limits");
        var openFiles = Assert.Single(limits, l => l.StartsWith("Max open files", StringComparison.Ordinal));
        Assert.Equal(["4096", "4096"], openFiles["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[..2]);
        Assert.Contains(broker.Output, l => l.Contains("Open file limit is 4096", StringComparison.Ordinal) && l.Contains("more partitions", StringComparison.Ordinal));
        await AssertAnswersAsync(broker.EndPoint);
    }

    [Fact]
    public async Task Broker_out_of_file_descriptors_refuses_new_connections_with_a_log_line_and_keeps_serving()
    {
        // About 160 descriptors are the runtime's and the broker's own; the reserve is 64.
        using var broker = await LoggedBrokerProcess.StartAsync(_dataDir, "--nofile=512:512");
        using var existing = await RawConnection.ConnectAsync(broker.EndPoint);
        try
        {
            await AssertAnswersAsync(existing);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException("the first connection was not served:\n" + string.Join('\n', broker.Output), ex);
        }

        var flood = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 500; i++)
            {
                var client = new TcpClient();
                flood.Add(client);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try
                {
                    await client.ConnectAsync(broker.EndPoint, timeout.Token);
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException)
                {
                    // The backlog may fill while the broker refuses; that is fine.
                }
            }

            await AssertAnswersAsync(existing);
            Assert.False(broker.HasExited, "the broker died when its file descriptors ran out");
            var deadline = Stopwatch.StartNew();
            while (!broker.Output.Any(l => l.Contains("open file limit", StringComparison.Ordinal)) && deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(100);
            }

            Assert.True(
                broker.Output.Any(l => l.Contains("Refused connection", StringComparison.Ordinal) && l.Contains("open file limit (512)", StringComparison.Ordinal)),
                string.Join('\n', broker.Output));
        }
        finally
        {
            flood.ForEach(c => c.Dispose());
        }

        // With the flood gone, new connections are accepted again.
        var answered = false;
        var wait = Stopwatch.StartNew();
        for (var attempt = 0; attempt < 50 && !answered && wait.Elapsed < TimeSpan.FromSeconds(15); attempt++)
        {
            try
            {
                await AssertAnswersAsync(broker.EndPoint);
                answered = true;
            }
            catch (IOException)
            {
                await Task.Delay(200);
            }
        }

        Assert.True(answered, "no new connection was served after the flood closed");
        await AssertAnswersAsync(existing);
        Assert.False(broker.HasExited);
    }

    private static async Task AssertAnswersAsync(IPEndPoint endPoint)
    {
        using var connection = await RawConnection.ConnectAsync(endPoint);
        await AssertAnswersAsync(connection);
    }

    private static async Task AssertAnswersAsync(RawConnection connection)
    {
        var response = await connection.RequestAsync<ApiVersionsResponse>(ApiKey.ApiVersions, 3, new ApiVersionsRequest { ClientSoftwareName = "weir-test", ClientSoftwareVersion = "1" });
        Assert.Equal(0, response.ErrorCode);
    }

    /// <summary>`weir start` as a child process (under prlimit when asked) whose output lines are kept.</summary>
    private sealed class LoggedBrokerProcess : IDisposable
    {
        private readonly Process _process;

        private LoggedBrokerProcess(Process process, int port, ConcurrentQueue<string> output)
        {
            _process = process;
            EndPoint = new IPEndPoint(IPAddress.Loopback, port);
            Output = output;
        }

        public IPEndPoint EndPoint { get; }

        public ConcurrentQueue<string> Output { get; }

        /// <summary>prlimit executes the command in place, so this is the broker's own pid.</summary>
        public int Pid => _process.Id;

        public bool HasExited => _process.HasExited;

        public static async Task<LoggedBrokerProcess> StartAsync(string dataDir, string? prlimit, params string[] overrides)
        {
            var port = BrokerProcess.FreePort();
            var psi = new ProcessStartInfo(prlimit is null ? "dotnet" : "prlimit")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            if (prlimit is not null)
            {
                psi.ArgumentList.Add(prlimit);
                psi.ArgumentList.Add("dotnet");
            }

            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "weir.dll"));
            psi.ArgumentList.Add("start");
            foreach (var setting in new[] { $"listeners=PLAINTEXT://127.0.0.1:{port}", $"log.dirs={dataDir}" }.Concat(overrides))
            {
                psi.ArgumentList.Add("--override");
                psi.ArgumentList.Add(setting);
            }

            var output = new ConcurrentQueue<string>();
            var process = Process.Start(psi)!;
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                {
                    output.Enqueue(line);
                    if (line.Contains("ready in", StringComparison.Ordinal))
                    {
                        ready.TrySetResult();
                    }
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                {
                    output.Enqueue(line);
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var exited = process.WaitForExitAsync();
            if (await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(30))) != ready.Task)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }

                throw new InvalidOperationException($"weir start did not become ready:\n{string.Join('\n', output)}");
            }

            return new LoggedBrokerProcess(process, port, output);
        }

        public long ResidentMegabytes()
        {
            foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture) / 1024;
                }
            }

            throw new InvalidOperationException("no VmRSS");
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }

            _process.Dispose();
        }
    }
}
