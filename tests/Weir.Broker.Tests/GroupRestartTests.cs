using System.Text;

namespace Weir.Broker.Tests;

/// <summary>Committed offsets live in __consumer_offsets: a new broker on the same data dir replays them.</summary>
public sealed class GroupRestartTests : IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "weir-test-" + Guid.NewGuid().ToString("N"));
    private BrokerHost? _host;

    private string Bootstrap => $"127.0.0.1:{_host!.BoundEndPoints[0].Port}";

    public async Task InitializeAsync()
    {
        _host = await BrokerFixture.StartAsync(_dataDir);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Kcat_group_commits_survive_a_broker_restart_and_the_group_resumes_after_them()
    {
        const string topic = "restart-topic";
        const string group = "restart-group";
        await ProduceAsync(topic, 0, 100);
        var first = await GroupReads.KcatGroupAsync(Bootstrap, group, topic);
        Assert.Equal(100, first.Length);
        var before = await GroupReads.CommittedAsync(Bootstrap, group, topic);
        Assert.Equal(100, before.Sum());

        await _host!.DisposeAsync();
        _host = null;
        _host = await BrokerFixture.StartAsync(_dataDir);

        var after = await GroupReads.CommittedAsync(Bootstrap, group, topic);
        Assert.Equal(before, after);

        await ProduceAsync(topic, 100, 10);
        var second = await GroupReads.KcatGroupAsync(Bootstrap, group, topic);
        Assert.Equal(Enumerable.Range(100, 10).Select(i => "r" + i).Order(StringComparer.Ordinal), second.Order(StringComparer.Ordinal));
    }

    private async Task ProduceAsync(string topic, int from, int count)
    {
        var input = new StringBuilder();
        for (var i = from; i < from + count; i++)
        {
            input.Append('r').Append(i).Append('\n');
        }

        var produced = await ProcessRunner.RunAsync("kcat", ["-b", Bootstrap, "-X", "broker.address.family=v4", "-P", "-t", topic], input.ToString());
        Assert.True(produced.ExitCode == 0, produced.ToString());
    }
}
