using Microsoft.Extensions.Logging;
using Weir.Broker;
using Weir.Broker.Config;
using Xunit;

namespace Weir.Testing;

/// <summary>
/// An in-process broker on an ephemeral loopback port with its own temporary data dir, shared by
/// the tests of one class. Topic auto-creation uses 4 partitions, as librdkafka's suite expects.
/// </summary>
public class BrokerFixture : IAsyncLifetime
{
    private BrokerHost? _host;

    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "weir-test-" + Guid.NewGuid().ToString("N"));

    public BrokerHost Host => _host ?? throw new InvalidOperationException("Broker not started.");

    public string Bootstrap => $"127.0.0.1:{Host.BoundEndPoints[0].Port}";

    /// <summary>Settings a derived fixture adds to the defaults.</summary>
    protected virtual IReadOnlyDictionary<string, string>? ExtraConfig => null;

    public async Task InitializeAsync()
    {
        _host = await StartAsync(DataDir, ExtraConfig).ConfigureAwait(false);
    }

    public static Task<BrokerHost> StartAsync(string dataDir, IReadOnlyDictionary<string, string>? extra = null)
    {
        var props = new Dictionary<string, string>
        {
            ["listeners"] = "PLAINTEXT://127.0.0.1:0",
            ["log.dirs"] = dataDir,
            ["num.partitions"] = "4",
        };
        if (extra is not null)
        {
            foreach (var (k, v) in extra)
            {
                props[k] = v;
            }
        }

        return BrokerHost.StartAsync(BrokerConfig.FromProperties(props), logging => logging.SetMinimumLevel(LogLevel.Warning));
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
