using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using Weir.Broker.Config;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Tests;

/// <summary>
/// Connection limits on an in-process broker with short settings: the request read timeout,
/// connections.max.idle.ms, max.connections and max.connections.per.ip (with overrides).
/// </summary>
public sealed class NetworkLimitsTests
{
    [Fact]
    public async Task Request_trickled_a_byte_a_second_is_cut_off_after_the_read_timeout()
    {
        await using var broker = await LimitedBroker.StartAsync(("socket.request.read.timeout.ms", "2000"));
        using var connection = await broker.ConnectAsync();
        await connection.SendRawAsync([0, 0, 0, 100]);
        var closed = connection.IsClosedByPeerAsync();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 20 && !closed.IsCompleted; i++)
        {
            try
            {
                await connection.SendRawAsync([0]);
            }
            catch (IOException)
            {
                break;
            }

            await Task.WhenAny(closed, Task.Delay(1000));
        }

        Assert.True(closed.IsCompleted, "the trickling connection was still open after 20 s");
        Assert.True(await closed);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(10));
        Assert.Contains(broker.Logs, l => l.Contains("socket.request.read.timeout.ms", StringComparison.Ordinal));
        await broker.AssertAnswersAsync();
    }

    [Fact]
    public async Task Request_split_over_several_writes_within_the_read_timeout_is_served()
    {
        await using var broker = await LimitedBroker.StartAsync(("socket.request.read.timeout.ms", "2000"));
        using var connection = await broker.ConnectAsync();
        var frame = connection.Frame(ApiKey.ApiVersions, 3, new ApiVersionsRequest { ClientSoftwareName = "weir-test", ClientSoftwareVersion = "1" });
        await connection.SendRawAsync(frame[..2]);
        await Task.Delay(300);
        await connection.SendRawAsync(frame[2..9]);
        await Task.Delay(300);
        await connection.SendRawAsync(frame[9..]);
        var response = await connection.ReadFrameAsync();
        Assert.NotNull(response);
    }

    [Fact]
    public async Task Idle_connection_is_closed_after_connections_max_idle_ms_and_a_busy_one_is_not()
    {
        await using var broker = await LimitedBroker.StartAsync(("connections.max.idle.ms", "2000"));
        using var idle = await broker.ConnectAsync();
        await LimitedBroker.AssertAnswersAsync(idle);
        using var busy = await broker.ConnectAsync();
        var closed = idle.IsClosedByPeerAsync();
        var clock = Stopwatch.StartNew();
        // The busy connection sends a request every 200 ms, well inside the idle time, until the idle
        // one is closed (bounded: 75 rounds, about 15 s), so a loaded machine cannot make it idle too.
        for (var i = 0; i < 75 && !closed.IsCompleted; i++)
        {
            await LimitedBroker.AssertAnswersAsync(busy);
            await Task.Delay(200);
        }

        Assert.True(closed.IsCompleted && await closed, "the idle connection was not closed within 15 s");
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(15));
        await LimitedBroker.AssertAnswersAsync(busy);
    }

    [Fact]
    public async Task Max_connections_refuses_the_next_connection_and_a_slot_frees_when_one_closes()
    {
        await using var broker = await LimitedBroker.StartAsync(("max.connections", "3"));
        var open = new List<RawConnection>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                open.Add(await broker.ConnectAsync());
                await LimitedBroker.AssertAnswersAsync(open[i]);
            }

            using (var refused = await broker.ConnectAsync())
            {
                Assert.True(await refused.IsClosedByPeerAsync());
            }

            Assert.Single(broker.Logs, l => l.Contains("max.connections (3) reached", StringComparison.Ordinal));
            foreach (var connection in open)
            {
                await LimitedBroker.AssertAnswersAsync(connection);
            }

            open[0].Dispose();
            open.RemoveAt(0);
            Assert.True(await broker.EventuallyAnswersAsync(IPAddress.Loopback), "no slot came free after a connection closed");
        }
        finally
        {
            open.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task Max_connections_per_ip_refuses_beyond_the_limit_and_overrides_apply_per_address()
    {
        var other = IPAddress.Parse("127.0.0.2");
        await using var broker = await LimitedBroker.StartAsync(("max.connections.per.ip", "2"), ("max.connections.per.ip.overrides", "127.0.0.2:3"));
        var open = new List<RawConnection>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                open.Add(await broker.ConnectFromAsync(IPAddress.Loopback));
                await LimitedBroker.AssertAnswersAsync(open[^1]);
            }

            for (var i = 0; i < 3; i++)
            {
                open.Add(await broker.ConnectFromAsync(other));
                await LimitedBroker.AssertAnswersAsync(open[^1]);
            }

            using (var refused = await broker.ConnectFromAsync(IPAddress.Loopback))
            {
                Assert.True(await refused.IsClosedByPeerAsync());
            }

            // Refusal lines are at most one a second: wait that out so the second one is logged too.
            await Task.Delay(1100);
            using (var refused = await broker.ConnectFromAsync(other))
            {
                Assert.True(await refused.IsClosedByPeerAsync());
            }

            Assert.Contains(broker.Logs, l => l.Contains("127.0.0.1 already has the maximum of 2 connections", StringComparison.Ordinal));
            Assert.Contains(broker.Logs, l => l.Contains("127.0.0.2 already has the maximum of 3 connections", StringComparison.Ordinal));
            foreach (var connection in open)
            {
                await LimitedBroker.AssertAnswersAsync(connection);
            }

            open[0].Dispose();
            open.RemoveAt(0);
            Assert.True(await broker.EventuallyAnswersAsync(IPAddress.Loopback), "no slot came free after a connection closed");
        }
        finally
        {
            open.ForEach(c => c.Dispose());
        }
    }

    [Theory]
    [InlineData("max.connections.per.ip.overrides", "127.0.0.1")]
    [InlineData("max.connections.per.ip.overrides", "127.0.0.1:many")]
    [InlineData("queued.max.request.bytes", "0")]
    [InlineData("max.connections", "-1")]
    public void Bad_limit_settings_are_refused_at_start(string name, string value)
    {
        var error = Assert.Throws<ConfigException>(() => BrokerConfig.FromProperties(new Dictionary<string, string> { [name] = value }));
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }

    /// <summary>An in-process broker with extra settings whose warning lines are kept for the test.</summary>
    private sealed class LimitedBroker : IAsyncDisposable
    {
        private readonly BrokerHost _host;
        private readonly string _dataDir;

        private LimitedBroker(BrokerHost host, string dataDir, ConcurrentQueue<string> logs)
        {
            _host = host;
            _dataDir = dataDir;
            Logs = logs;
        }

        public ConcurrentQueue<string> Logs { get; }

        private IPEndPoint EndPoint => _host.BoundEndPoints[0];

        public static async Task<LimitedBroker> StartAsync(params (string Name, string Value)[] settings)
        {
            var dataDir = Path.Combine(Path.GetTempPath(), "weir-limits-" + Guid.NewGuid().ToString("N"));
            var props = new Dictionary<string, string>
            {
                ["listeners"] = "PLAINTEXT://127.0.0.1:0",
                ["log.dirs"] = dataDir,
            };
            foreach (var (name, value) in settings)
            {
                props[name] = value;
            }

            var logs = new ConcurrentQueue<string>();
            var host = await BrokerHost.StartAsync(BrokerConfig.FromProperties(props), logging =>
            {
                logging.SetMinimumLevel(LogLevel.Warning);
                logging.AddProvider(new CapturingLoggerProvider(logs));
            });
            return new LimitedBroker(host, dataDir, logs);
        }

        public Task<RawConnection> ConnectAsync() => RawConnection.ConnectAsync(EndPoint);

        public Task<RawConnection> ConnectFromAsync(IPAddress local) => RawConnection.ConnectFromAsync(EndPoint, local);

        public async Task AssertAnswersAsync()
        {
            using var connection = await ConnectAsync();
            await AssertAnswersAsync(connection);
        }

        public static async Task AssertAnswersAsync(RawConnection connection)
        {
            var response = await connection.RequestAsync<ApiVersionsResponse>(ApiKey.ApiVersions, 3, new ApiVersionsRequest { ClientSoftwareName = "weir-test", ClientSoftwareVersion = "1" });
            Assert.Equal(0, response.ErrorCode);
        }

        /// <summary>A slot is released when the closed connection's handler ends: poll for it, bounded.</summary>
        public async Task<bool> EventuallyAnswersAsync(IPAddress local)
        {
            var deadline = Stopwatch.StartNew();
            for (var attempt = 0; attempt < 50 && deadline.Elapsed < TimeSpan.FromSeconds(10); attempt++)
            {
                using var connection = await ConnectFromAsync(local);
                try
                {
                    await AssertAnswersAsync(connection);
                    return true;
                }
                catch (IOException)
                {
                    await Task.Delay(100);
                }
            }

            return false;
        }

        public async ValueTask DisposeAsync()
        {
            await _host.DisposeAsync();
            try
            {
                Directory.Delete(_dataDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private sealed class CapturingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(lines);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue(formatter(state, exception));
        }
    }
}
