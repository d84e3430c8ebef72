using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Tests;

/// <summary>SIGTERM with clients connected: `weir start` closes its logs cleanly and exits 0, promptly.</summary>
public sealed class ShutdownTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "weir-sigterm-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Sigterm_with_a_connected_client_exits_0_with_the_clean_shutdown_marker()
    {
        using var broker = await BrokerProcess.StartAsync(_dataDir, BrokerProcess.FreePort());
        using var connection = await RawConnection.ConnectAsync(broker.EndPoint);
        var metadata = await connection.RequestAsync<MetadataResponse>(ApiKey.Metadata, 12, new MetadataRequest { Topics = null });
        Assert.Single(metadata.Brokers);

        // The idle connection stays open: shutdown must not wait for the client to go away.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var exitCode = await broker.TerminateAsync(TimeSpan.FromSeconds(30));
        Assert.True(exitCode == 0, broker.Output);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"shutdown took {clock.Elapsed}");
        Assert.Contains("Weir broker stopping", broker.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_dataDir, Weir.Storage.LogManager.CleanShutdownFileName)), broker.Output);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
