namespace Weir.Cli.Tests;

/// <summary>
/// A broker configured as Kafka's shipped config/server.properties is, with
/// group.initial.rebalance.delay.ms=0, so a lone console consumer joins its group at once
/// (with the 3 s code default the join alone would outlast a short --timeout-ms).
/// </summary>
public sealed class NoRebalanceDelayBrokerFixture : BrokerFixture
{
    protected override IReadOnlyDictionary<string, string>? ExtraConfig => new Dictionary<string, string> { ["group.initial.rebalance.delay.ms"] = "0" };
}
