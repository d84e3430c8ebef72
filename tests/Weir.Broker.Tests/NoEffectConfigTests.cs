using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Tests;

/// <summary>DescribeConfigs' documentation never describes a behaviour Weir lacks: settings with no effect yet say so.</summary>
public sealed class NoEffectConfigTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    [Fact]
    public async Task Documentation_of_settings_without_effect_says_so_and_of_honoured_ones_does_not()
    {
        await using var client = await RawConnection.ConnectAsync(broker.Host.BoundEndPoints[0]);
        var request = new DescribeConfigsRequest
        {
            IncludeDocumentation = true,
            Resources =
            [
                new() { ResourceType = 4, ResourceName = "1", ConfigurationKeys = ["min.insync.replicas", "replica.lag.time.max.ms", "num.io.threads", "log.cleaner.threads", "message.max.bytes"] },
            ],
        };
        var response = await client.RequestAsync<DescribeConfigsResponse>(ApiKey.DescribeConfigs, 4, request);
        var docs = response.Results[0].Configs.ToDictionary(c => c.Name, c => c.Documentation ?? "");
        Assert.Contains("No effect yet in Weir: a single node has no followers", docs["replica.lag.time.max.ms"], StringComparison.Ordinal);
        Assert.DoesNotContain("No effect yet", docs["min.insync.replicas"], StringComparison.Ordinal);
        Assert.Contains("No effect yet in Weir: requests run on the .NET thread pool", docs["num.io.threads"], StringComparison.Ordinal);
        Assert.Contains("No effect yet in Weir: compaction is not implemented", docs["log.cleaner.threads"], StringComparison.Ordinal);
        Assert.DoesNotContain("No effect yet", docs["message.max.bytes"], StringComparison.Ordinal);
    }
}
